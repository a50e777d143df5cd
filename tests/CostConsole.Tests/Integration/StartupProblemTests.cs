using System.Net;
using CostConsole.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CostConsole.Tests.Integration;

/// <summary>Broken databases and invalid settings: a clear message, and the app serves what it can.</summary>
public sealed class StartupProblemTests
{
    private const string NoPrometheus = "http://127.0.0.1:9";

    [Fact]
    public async Task A_corrupt_database_file_is_named_in_readyz_and_on_the_login_page()
    {
        using var app = new AppFactory(NoPrometheus);
        await File.WriteAllTextAsync(app.DatabasePath, "this is not a database, just some text that fills the header page of a sqlite file....");

        var client = app.Anonymous();
        using var live = await client.GetAsync("/healthz");
        using var ready = await client.GetAsync("/readyz");
        var login = await client.GetStringAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // Anonymous readyz says unhealthy only; the operator reads why on the sign-in page (and in the log).
        Assert.Equal("{\"status\":\"Unhealthy\"}", await ready.Content.ReadAsStringAsync());
        Assert.Contains("Sign-in is unavailable", login);
        Assert.Contains("not a SQLite database or is corrupt", login);
        // Nothing was written over the file.
        Assert.StartsWith("this is not a database", await File.ReadAllTextAsync(app.DatabasePath));
    }

    [Fact]
    public async Task A_read_only_database_is_named_as_such()
    {
        var folder = Directory.CreateTempSubdirectory("costconsole-ro-");
        var path = Path.Combine(folder.FullName, "readonly.db");
        await using (var seed = new SqliteConnection($"Data Source={path}"))
        {
            await seed.OpenAsync();
            await using var command = seed.CreateCommand();
            command.CommandText = "CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (1);";
            await command.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["ConnectionStrings:CostConsole"] = $"Data Source={path};Mode=ReadOnly" });

        using var ready = await app.Anonymous().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("read-only", await app.Anonymous().GetStringAsync("/account/login"));
        SqliteConnection.ClearAllPools();
        folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData("Prometheus:BaseUrl", "not a url", "Prometheus:BaseUrl 'not a url' is not an absolute http or https URL")]
    [InlineData("Prometheus:BaseUrl", "ftp://example.test", "is not an absolute http or https URL")]
    [InlineData("Prometheus:Profile", "made-up", "Prometheus:Profile 'made-up' is not a known metric profile")]
    [InlineData("Prometheus:TimeoutSeconds", "0", "Prometheus:TimeoutSeconds must be between 1 and 600")]
    [InlineData("Display:TimeZone", "Mars/Olympus_Mons", "Display:TimeZone 'Mars/Olympus_Mons' is not a known time zone")]
    [InlineData("Smtp:Port", "70000", "Smtp:Port must be between 1 and 65535")]
    [InlineData("Smtp:From", "nobody", "Smtp:From 'nobody' is not a mail address")]
    [InlineData("Prometheus:Profiles:mine:Output", "x_total", "Prometheus:Profiles:mine:Input must name the input token metric")]
    [InlineData("Prometheus:Profiles:mine:Labels:colour", "c", "Prometheus:Profiles:mine:Labels:colour is not a dimension")]
    [InlineData("Prometheus:OtlpTranslation", "Dots", "Failed to convert configuration value 'Dots' at 'Prometheus:OtlpTranslation'")]
    [InlineData("Prometheus:Extra:Model", "m", "Prometheus:Extra:Model is not a usable dimension name")]
    [InlineData("Prometheus:Extra:team", "t", "Prometheus:Extra:team is not a usable dimension name")]
    [InlineData("Prometheus:MaxAnswerMegabytes", "0", "Prometheus:MaxAnswerMegabytes must be between 1 and 4096 (was 0).")]
    [InlineData("Prometheus:MaxAnswerSeries", "5", "Prometheus:MaxAnswerSeries must be between 100 and 10000000 (was 5).")]
    [InlineData("Ledger:SettleSeconds", "-1", "Ledger:SettleSeconds must be between 0 and 3600 (was -1).")]
    [InlineData("Ledger:RereadHours", "99", "Ledger:RereadHours must be between 0 and 48 (was 99).")]
    [InlineData("Ledger:RereadAfterSeconds", "-5", "Ledger:RereadAfterSeconds must be between 0 and 86400 (was -5).")]
    [InlineData("Ledger:MaxLabelLength", "3", "Ledger:MaxLabelLength must be between 16 and 10000 (was 3).")]
    [InlineData("Ledger:MaxValuesPerDimension", "5", "Ledger:MaxValuesPerDimension must be between 10 and 1000000 (was 5).")]
    [InlineData("Ledger:HourlyRetentionDays", "3", "Ledger:HourlyRetentionDays must be 0 (keep hourly rows for good) or between 7 and 3650 (was 3).")]
    [InlineData("Ledger:HourlyRetentionDays", "-1", "Ledger:HourlyRetentionDays must be 0 (keep hourly rows for good) or between 7 and 3650 (was -1).")]
    [InlineData("Reconcile:TolerancePercent", "150", "Reconcile:TolerancePercent must be between 0 and 100 (was 150).")]
    [InlineData("Reconcile:MinimumUsd", "-1", "Reconcile:MinimumUsd must be between 0 and 1000000 (was -1).")]
    [InlineData("Reports:Anthropic:BaseUrl", "ftp://example.test", "Reports:Anthropic:BaseUrl 'ftp://example.test' is not an absolute http or https URL.")]
    [InlineData("Reports:HourUtc", "24", "Reports:HourUtc must be 0–23 (was 24).")]
    [InlineData("Reports:MaxAttempts", "0", "Reports:MaxAttempts must be 1–10 (was 0).")]
    [InlineData("Reports:RetryDelaySeconds", "-1", "Reports:RetryDelaySeconds must be 0–300 (was -1).")]
    [InlineData("Reports:OpenAI:AdminKey", "key with spaces", "Reports:OpenAI:AdminKey has spaces or control characters, or is longer than 500 characters.")]
    [InlineData("Prometheus:Labels:colour", "c", "Prometheus:Labels:colour is not a dimension; use model, provider, feature, team, operation, outcome, variant.")]
    [InlineData("Prometheus:Labels:model", " , ", "Prometheus:Labels:model cannot be empty: every token needs its model to be priced.")]
    [InlineData("Prometheus:Labels:feature", "use\"case", "Prometheus:Labels:feature: 'use\"case' is not a label name.")]
    [InlineData("Ledger:ChunkHours", "0", "Ledger:ChunkHours must be between 1 and 168")]
    [InlineData("Digests:RetrySeconds", "60,soon", "Digests:RetrySeconds '60,soon' must be up to 10 comma-separated delays")]
    [InlineData("Digests:PollSeconds", "0", "Digests:PollSeconds must be between 1 and 3600")]
    [InlineData("Digests:Storage", "PostgreSql", "Digests:Storage is PostgreSql but Digests:StorageConnection is empty")]
    [InlineData("Ledger:BackfillFrom", "2026-01-01T00:30:00Z", "Ledger:BackfillFrom '2026-01-01T00:30:00.0000000+00:00' is not on the hour")]
    [InlineData("Prometheus:Profile", "otel-genai", "Prometheus:Profile 'otel-genai' is not a known metric profile; use one of: otel-seed, otel-genai-histogram, bifrost, litellm (did you mean otel-genai-histogram?).")]
    [InlineData("Budgets:CheckMinutes", "100000", "Budgets:CheckMinutes must be between 0 (check only when budgets are shown) and 1440 (was 100000).")]
    [InlineData("Budgets:CheckMinutes", "soon", "Failed to convert configuration value 'soon' at 'Budgets:CheckMinutes' to type 'System.Int32'.")]
    [InlineData("Budgets:ConfirmAboveUsd", "-5", "Budgets:ConfirmAboveUsd must be more than 0")]
    [InlineData("Budgets:PublicUrl", "costconsole.example.com", "Budgets:PublicUrl 'costconsole.example.com' is not an absolute http or https URL")]
    [InlineData("Alerts:GroupName", "", "Alerts:GroupName '' must be 1–100 letters, digits")]
    [InlineData("Alerts:Label", "source", "Alerts:Label 'source' must be name=value with a Prometheus label name")]
    [InlineData("Alerts:Label", "1st=x", "Alerts:Label '1st=x' must be name=value")]
    [InlineData("Bootstrap:AdminEmail", "root", "Bootstrap:AdminEmail 'root' is not a mail address.")]
    [InlineData("Bootstrap:AdminEmail", "root@example.test", "Bootstrap:AdminEmail is set but Bootstrap:AdminPassword is not")]
    [InlineData("Rules:DailyBudgetUsd", "0", "Rules:DailyBudgetUsd must be more than 0")]
    [InlineData("Rules:SpikeFactor", "1", "Rules:SpikeFactor must be more than 1 and at most 1000 (was 1).")]
    [InlineData("Rules:SpikeFloorUsdPerHour", "-1", "Rules:SpikeFloorUsdPerHour must be 0 or more")]
    [InlineData("Rules:GroupName", "cost rules", "Rules:GroupName 'cost rules' must be 1–100 letters")]
    [InlineData("Security:MaxFailedSignIns", "0", "Security:MaxFailedSignIns must be between 1 and 100 (was 0).")]
    [InlineData("Security:LockoutMinutes", "99999", "Security:LockoutMinutes must be between 1 and 10080, a week (was 99999).")]
    [InlineData("DataProtection:KeysFolder", "/etc/hostname", "DataProtection:KeysFolder '/etc/hostname' is a file, not a folder.")]
    [InlineData("Display:TimeZone", "", "Display:TimeZone '' is not a known time zone")]
    [InlineData("Replica:Name", "replica one", "Replica:Name 'replica one' must be 1–60 letters, digits, '-', '_' or '.'.")]
    [InlineData("Display:Currency", "EURO", "Display:Currency 'EURO' is not an ISO 4217 currency code such as USD or EUR.")]
    [InlineData("Prometheus:Auth:Username", "alice", "Prometheus:Auth:Username needs exactly one of Prometheus:Auth:Password and Prometheus:Auth:PasswordFile.")]
    [InlineData("Prometheus:Auth:Password", "s3cret-value", "Prometheus:Auth:Password or PasswordFile is set but Prometheus:Auth:Username is not.")]
    [InlineData("Prometheus:Auth:BearerTokenFile", "/nonexistent/token", "Prometheus:Auth:BearerTokenFile '/nonexistent/token' cannot be read")]
    [InlineData("Prometheus:Headers:Authorization", "Bearer x", "Prometheus:Headers:Authorization is not used: set Prometheus:Auth")]
    [InlineData("Prometheus:Headers:X-Scope-OrgID", "tenant\nX-Admin: yes", "Prometheus:Headers:X-Scope-OrgID contains a line break")]
    [InlineData("Prometheus:Tls:CertFile", "/etc/hostname", "Prometheus:Tls:CertFile and Prometheus:Tls:KeyFile go together")]
    [InlineData("Prometheus:Tls:InsecureSkipVerify", "true", "Prometheus:Tls is set but Prometheus:BaseUrl")]
    [InlineData("Prometheus:Tls:CaFile", "/etc/hostname", "Prometheus:Tls:CaFile '/etc/hostname' holds no PEM certificate")]
    [InlineData("Authentication:Oidc:Authority", "login.example.com", "Authentication:Oidc:Authority 'login.example.com' is not an http(s) URL without query")]
    [InlineData("Authentication:Oidc:Authority", "http://login.example.com/realms/acme", "Authentication:Oidc:Authority 'http://login.example.com/realms/acme' must use https")]
    [InlineData("Authentication:Oidc:Authority", "https://login.example.com/realms/acme", "Authentication:Oidc:ClientId is required when Authentication:Oidc:Authority is set")]
    [InlineData("Authentication:Oidc:RoleClaims:costconsole-bosses", "Boss", "Authentication:Oidc:RoleClaims:costconsole-bosses is 'Boss', not a role; use one of Finance, Engineer, Manager, Admin.")]
    [InlineData("Authentication:Oidc:TeamManagerClaims", "costconsole-managers", "Authentication:Oidc:TeamManagerClaims 'costconsole-managers' must contain {team} exactly once")]
    [InlineData("Authentication:Oidc:SessionHours", "0", "Authentication:Oidc:SessionHours must be between 1 and 720 (was 0).")]
    [InlineData("Authentication:LocalAccounts", "nope", "Failed to convert configuration value 'nope' at 'Authentication:LocalAccounts'")]
    public void Invalid_settings_stop_the_start_with_the_key_named(string key, string value, string message)
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { [key] = value });

        // The app checks every section before it starts (Program.cs); the product's exit code and output are
        // proven by ProductStartTests on the real binary. Here: each validator's message, through the same check.
        IReadOnlyList<string> problems;
        try
        {
            problems = CostConsole.Configuration.StartupSettings.Problems(app.Services);
        }
        catch (OptionsValidationException ex)
        {
            problems = [.. ex.Failures];
        }

        Assert.Contains(problems, p => p.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Sample_profiles_are_not_offered_as_choices()
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["Prometheus:Profile"] = "made-up" });

        var problem = Assert.Single(CostConsole.Configuration.StartupSettings.Problems(app.Services));

        Assert.Equal("Prometheus:Profile 'made-up' is not a known metric profile; use one of: otel-seed, otel-genai-histogram, bifrost, litellm.", problem);
    }

    [Fact]
    public void An_OTLP_translation_strategy_is_refused_for_a_profile_that_is_not_OpenTelemetry()
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["Prometheus:Profile"] = "bifrost", ["Prometheus:OtlpTranslation"] = "NoTranslation" });

        var problem = Assert.Single(CostConsole.Configuration.StartupSettings.Problems(app.Services));

        Assert.Equal("Prometheus:OtlpTranslation (NoTranslation) applies to the OpenTelemetry profiles (otel-seed, otel-genai-histogram), not to 'bifrost': remove it, or write the stored names into a custom profile.", problem);
    }

    [Fact]
    public async Task A_missing_connection_string_is_named_in_readyz()
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["ConnectionStrings:CostConsole"] = "" });

        using var ready = await app.Anonymous().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("ConnectionStrings:CostConsole is required", await app.Anonymous().GetStringAsync("/account/login"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("soon")]
    public async Task A_bad_busy_timeout_is_named_like_a_bad_connection_string(string value)
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["Database:BusyTimeoutSeconds"] = value });

        using var ready = await app.Anonymous().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains($"Database:BusyTimeoutSeconds must be a whole number of seconds between 1 and 600 (was &#x27;{value}&#x27;)", await app.Anonymous().GetStringAsync("/account/login"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("a lot")]
    public async Task A_bad_database_size_limit_is_named_like_a_bad_connection_string(string value)
    {
        using var app = new AppFactory(NoPrometheus, new Dictionary<string, string?> { ["Database:MaxSizeMegabytes"] = value });

        using var ready = await app.Anonymous().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains($"Database:MaxSizeMegabytes must be a whole number of megabytes between 0 (no limit) and 10000000 (was &#x27;{value}&#x27;)", await app.Anonymous().GetStringAsync("/account/login"));
    }
}
