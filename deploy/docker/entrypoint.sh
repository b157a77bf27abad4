#!/bin/sh
# The image's one entry point: the first argument names the deployable (src/Deployment/Deployables.cs;
# a test checks these cases against it).
set -e
what="${1:-}"
[ $# -gt 0 ] && shift
case "$what" in
  ingestion)  exec dotnet /app/ingestion/ContestPipeline.Ingestion.dll "$@" ;;
  scoring)    exec dotnet /app/scoring/ContestPipeline.Scoring.dll "$@" ;;
  settlement) exec dotnet /app/settlement/ContestPipeline.Settlement.dll "$@" ;;
  payout)     exec dotnet /app/payout/ContestPipeline.Payout.dll "$@" ;;
  operations) exec dotnet /app/operations/ContestPipeline.Operations.dll "$@" ;;
  console)    exec dotnet /app/console/ContestPipeline.OperationsConsole.dll "$@" ;;
  webhooks)   exec dotnet /app/webhooks/ContestPipeline.Webhooks.dll "$@" ;;
  player-api) exec dotnet /app/player-api/ContestPipeline.PlayerApi.dll "$@" ;;
  notifier)   exec dotnet /app/notifier/ContestPipeline.Notifier.dll "$@" ;;
  cpctl)      exec dotnet /app/cpctl/cpctl.dll "$@" ;;
  *) echo "usage: ingestion|scoring|settlement|payout|operations|console|webhooks|player-api|notifier|cpctl [ARGS...]" >&2; exit 2 ;;
esac
