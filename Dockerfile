# One image per worker: docker build --build-arg WORKER=Scoring .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG WORKER
RUN apt-get update && apt-get install -y --no-install-recommends gcc make libssl-dev zlib1g-dev npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN CONTESTPIPELINE_CACHE=/opt/contestpipeline build/librdkafka.sh
RUN dotnet publish src/${WORKER}/ContestPipeline.${WORKER}.csproj -c Release -o /app

# The ASP.NET runtime image also runs the plain workers; the webhook receiver needs it.
FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG WORKER
ENV WORKER_DLL=ContestPipeline.${WORKER}.dll \
    CONTESTPIPELINE_LIBRDKAFKA=/opt/contestpipeline/librdkafka-2.15.1/librdkafka.so.1
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 zlib1g && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/contestpipeline /opt/contestpipeline
COPY --from=build /app /app
WORKDIR /app
ENTRYPOINT ["sh", "-c", "exec dotnet \"$WORKER_DLL\""]
