#!/bin/sh
# The image's one entry point: the first argument names the deployable.
set -e
what="${1:-}"
[ $# -gt 0 ] && shift
case "$what" in
  ingestion)  exec dotnet /app/ingestion/ContestPipeline.Ingestion.dll "$@" ;;
  scoring)    exec dotnet /app/scoring/ContestPipeline.Scoring.dll "$@" ;;
  settlement) exec dotnet /app/settlement/ContestPipeline.Settlement.dll "$@" ;;
  payout)     exec dotnet /app/payout/ContestPipeline.Payout.dll "$@" ;;
  webhooks)   exec dotnet /app/webhooks/ContestPipeline.Webhooks.dll "$@" ;;
  operations) exec dotnet /app/operations/ContestPipeline.Operations.dll "$@" ;;
  console)    exec dotnet /app/console/ContestPipeline.WebConsole.dll "$@" ;;
  player-api) exec dotnet /app/player-api/ContestPipeline.PlayerApi.dll "$@" ;;
  cpctl)      exec dotnet /app/cpctl/cpctl.dll "$@" ;;
  *) echo "usage: ingestion|scoring|settlement|payout|webhooks|operations|console|player-api|cpctl [ARGS...]" >&2; exit 2 ;;
esac
