# CostConsole: multi-stage build, runs as the image's non-root "app" user.
# Build from the repository root:  docker build -t costconsole .
# Run:  docker run -p 8080:8080 -v costconsole-data:/data -e Prometheus__BaseUrl=http://prometheus:9090 costconsole
# First admin:  docker run --rm -it -v costconsole-data:/data costconsole users create --email you@example.com --role Admin

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source
# The build copies apexcharts (pinned in package.json) from npm into wwwroot/lib.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
# Restore first, from the project files only, so the layer is reused while only code changes.
COPY global.json Directory.Build.props CostConsole.sln ./
COPY src/CostConsole/CostConsole.csproj src/CostConsole/
COPY src/CostConsole.Core/CostConsole.Core.csproj src/CostConsole.Core/CostConsole.Core.Usings.props src/CostConsole.Core/
RUN dotnet restore src/CostConsole/CostConsole.csproj
# The app compiles the top-level migrations/, links appsettings.json and serves the top-level wwwroot/.
COPY appsettings.json ./
COPY wwwroot/ wwwroot/
COPY migrations/ migrations/
COPY src/CostConsole.Core/ src/CostConsole.Core/
COPY src/CostConsole/ src/CostConsole/
# The published folder holds its own wwwroot (the app's files, MudBlazor's, Blazor's script, ApexCharts): the app
# serves it in any environment. The tests publish and start it the same way (ProductStartTests), as does the demo.
RUN dotnet publish src/CostConsole/CostConsole.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The database and the data-protection keys live in /data, owned by the non-root user.
RUN mkdir -p /data && chown app:app /data
USER app
ENV ASPNETCORE_URLS=http://+:8080 \
    ConnectionStrings__CostConsole="Data Source=/data/costconsole.db"
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["dotnet", "CostConsole.dll"]
