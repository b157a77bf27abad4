# One image with every production deployable and nothing else (src/Deployment/Deployables.cs;
# a test checks this list and the entry point against it): the four workers, the read model, the
# console, the Stripe webhook receiver, the platform's read API and cpctl (the operator's tool, which also provisions
# topics and runs migrations). Nothing under tools/ (the development tool, the Stripe-compatible
# server) is built. docker-compose.yml picks one per service by its first argument
# (deploy/docker/entrypoint.sh).
#
#   docker build -t contestpipeline .
#
# The .NET 10 images are Ubuntu 24.04: OpenSSL's runtime package is libssl3t64 there.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG CONTESTPIPELINE_PRODUCTION=true
WORKDIR /src
COPY . .
# The production build: test-only hooks (crash points) cannot be armed in what it runs.
RUN set -e; for p in Ingestion:ingestion Scoring:scoring Settlement:settlement Payout:payout Operations:operations OperationsConsole:console Webhooks:webhooks PlayerApi:player-api Notifier:notifier Cpctl:cpctl; do \
      project="${p%%:*}"; name="${p##*:}"; \
      dotnet publish "src/$project/ContestPipeline.$project.csproj" -c Release -p:ContestPipelineProduction=$CONTESTPIPELINE_PRODUCTION -o "/app/$name"; \
    done

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# librdkafka comes with each deployable (librdkafka.redist, TLS and SCRAM inside); curl for
# compose's health checks.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
ENV CONTESTPIPELINE_ENVIRONMENT=production \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
COPY --from=build /app /app
COPY deploy/docker/entrypoint.sh /app/bin/contestpipeline
RUN printf '#!/bin/sh\nexec /app/bin/contestpipeline cpctl "$@"\n' > /app/bin/cpctl && chmod 755 /app/bin/contestpipeline /app/bin/cpctl
# The images' own unprivileged user (uid 1654): nothing in the image runs as root.
USER $APP_UID
WORKDIR /app
EXPOSE 8080 8081
ENTRYPOINT ["/app/bin/contestpipeline"]
