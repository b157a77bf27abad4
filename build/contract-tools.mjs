// The ecosystem's own tools on the generated contracts, run by the contract tests with the
// folder build/contract-tools.sh prints (its node_modules):
//   node build/contract-tools.mjs TOOLS asyncapi FILE           parse FILE with @asyncapi/parser
//   node build/contract-tools.mjs TOOLS examples SCHEMAS FILE   validate each line of FILE,
//        {"where":..., "schema": "<Type>.v<N>.json", "body": {...}}, with ajv against SCHEMAS/<schema>
// Prints one line per problem and exits 1 if there is any.
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [tools, command, ...rest] = process.argv.slice(2);
const require = createRequire(join(tools, "node_modules", "noop.js"));

if (command === "asyncapi") {
  const { Parser, fromFile } = require("@asyncapi/parser");
  const { document, diagnostics } = await fromFile(new Parser(), rest[0]).parse();
  // severity: 0 error, 1 warning, 2 information, 3 hint
  const names = ["error", "warning", "information", "hint"];
  for (const d of diagnostics)
    console.log(`${names[d.severity]} ${d.code}: ${d.message} at ${(d.path ?? []).join("/")}`);
  const errors = diagnostics.filter((d) => d.severity === 0).length;
  if (!document || errors > 0) {
    console.log(`asyncapi: ${rest[0]} is not a valid AsyncAPI document (${errors} errors)`);
    process.exit(1);
  }
  console.log(`asyncapi: ${rest[0]} parsed: AsyncAPI ${document.version()}, ${document.channels().length} channels, ` +
    `${document.operations().length} operations, ${document.messages().length} messages`);
} else if (command === "examples") {
  const Ajv = require("ajv");
  const addFormats = require("ajv-formats");
  // strict: every keyword must be one ajv knows; the schemas' own annotations are declared.
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword("x-unit");
  const [dir, file] = rest;
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".json")).sort())
    ajv.addSchema(JSON.parse(readFileSync(join(dir, name), "utf8")), name);
  let bad = 0, checked = 0;
  for (const line of readFileSync(file, "utf8").split("\n").filter((l) => l.trim().length > 0)) {
    const { where, schema, body } = JSON.parse(line);
    const validate = ajv.getSchema(schema);
    if (!validate) { console.log(`${where}: no schema ${schema}`); bad++; continue; }
    checked++;
    if (!validate(body)) {
      bad++;
      for (const e of validate.errors) console.log(`${where}: ${schema}: ${e.instancePath || "/"} ${e.message}`);
    }
  }
  console.log(`examples: ${checked} checked against ${dir}, ${bad} invalid`);
  if (bad > 0) process.exit(1);
} else {
  console.log("usage: contract-tools.mjs TOOLS asyncapi FILE | TOOLS examples SCHEMAS FILE");
  process.exit(2);
}
