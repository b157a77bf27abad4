using ContestPipeline.Contracts.Operations;
using ContestPipeline.Local.Processes;
using ContestPipeline.Tests.Infrastructure;
using Microsoft.Playwright;

namespace ContestPipeline.Tests.WebConsole;

/// <summary>
/// The pipeline with its read model and the console as processes, a contest settled with a
/// prize held for two approvers, and Debian's Chromium driven by Playwright. Shared by the
/// browser tests, which run one after another in their own collection.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Contest = "sunday";
    public static readonly (string Name, string Role, string Password) Admin = ("root", OperatorRoles.Admin,
        "admin-pass-1");
    /// <summary>A second admin: cancelling a contest with paid entries takes two.</summary>
    public static readonly (string Name, string Role, string Password) Cat = ("cat", OperatorRoles.Admin, "cat-pass-1");
    public static readonly (string Name, string Role, string Password) Ann = ("ann", OperatorRoles.Approver,
        "ann-pass-1");
    public static readonly (string Name, string Role, string Password) Bob = ("bob", OperatorRoles.Approver,
        "bob-pass-1");
    public static readonly (string Name, string Role, string Password) Vic = ("vic", OperatorRoles.Viewer,
        "vic-pass-1");

    /// <summary>
    /// The flags known to work for Debian's Chromium on these machines (no background network, no sandbox as root).
    /// </summary>
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    public OperationsStack Stack { get; private set; } = null!;
    public LocalConsole Console { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string Screenshots { get; } = Path.Combine(RepoPaths.Root, "TestResults", "console-screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        var chromium = Environment.GetEnvironmentVariable("CONTESTPIPELINE_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
            throw new InvalidOperationException($"Chromium is not at {chromium}: "
                + "the browser tests drive Debian's chromium package (./run test installs it: build/chromium.sh)");
        Stack = await OperationsStack.StartAsync("console");
        Stack.StartWorkers();
        Console = await Stack.StartConsoleAsync([Admin, Cat, Ann, Bob, Vic]);
        await Stack.RunContestToSettledAsync(Contest);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true, Args = ChromiumArgs });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Stack is not null) await Stack.DisposeAsync();
    }

    /// <summary>A fresh browser context (its own cookies) signed in as <paramref name="who"/>.</summary>
    public async Task<IPage> SignInAsync((string Name, string Role, string Password) who)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Console.Url.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        // Playwright's 30 s default was once too short for a page on a busy machine; the same patience as every other
        // wait.
        page.SetDefaultTimeout((float)Eventually.Patience.TotalMilliseconds);
        await page.GotoAsync("/signin");
        await page.FillAsync("#name", who.Name);
        await page.FillAsync("#password", who.Password);
        await page.FillAsync("#code", await Console.CodeAsync(who.Name));
        await page.ClickAsync("#signin-button");
        // Waits only for the signed-in page's "who" line (the sign-in page has none). Not WaitForURLAsync: when the
        // redirect has already arrived, Playwright 1.64 ignores WaitUntil = Commit and waits for "load", which timed
        // out on a busy machine after the page was there (the log showed "networkidle").
        await page.Locator("span.who").WaitForAsync();
        return page;
    }

    /// <summary>Saves a full-page screenshot under the test results (console-screenshots/NAME.png).</summary>
    public async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(
            new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
}

/// <summary>
/// The browser tests' own collection. It runs alone, after the others (no parallel collection
/// beside it): a whole pipeline with its console and a browser is a lot for two cores, and the
/// other tests' deadlines should not pay for it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console-browser";
}
