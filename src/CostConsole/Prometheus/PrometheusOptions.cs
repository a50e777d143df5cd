using CostConsole.Features.Metrics;
using Microsoft.Extensions.Options;

namespace CostConsole.Prometheus;

public sealed class PrometheusOptions
{
    public const string Section = "Prometheus";

    /// <summary>Where the Prometheus HTTP API lives, e.g. http://127.0.0.1:9090 (a path prefix is kept).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The metric profile naming the token counters (see Features/Metrics).</summary>
    public string Profile { get; set; } = "otel-seed";

    /// <summary>How long one API call may take before it is abandoned.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Send partial_response=false (Thanos honours it; Prometheus ignores it).</summary>
    public bool DisallowPartialResponse { get; set; } = true;

    /// <summary>Credentials for a backend behind authentication (basic or bearer; secrets may live in files).</summary>
    public PrometheusAuthOptions Auth { get; set; } = new();

    /// <summary>Extra headers sent with every call, e.g. <c>X-Scope-OrgID</c> for Mimir and Cortex.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A private CA, a client certificate, or (tests only) no certificate checks.</summary>
    public PrometheusTlsOptions Tls { get; set; } = new();

    /// <summary>Custom metric profiles by name, next to the built-in ones.</summary>
    public Dictionary<string, CustomProfile> Profiles { get; set; } = [];

    /// <summary>
    /// Dimensions read from other labels than the profile's, e.g. <c>Prometheus:Labels:feature = "use_case"</c> for the
    /// custom label a Bifrost plugin was configured with. A comma-separated list names fallbacks; an empty value drops the dimension.
    /// </summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>
    /// Extra dimensions to group and filter by everywhere, name → label (or fallback list), e.g.
    /// <c>Prometheus:Extra:environment = "deployment_environment"</c>; an empty value removes one a profile has.
    /// </summary>
    public Dictionary<string, string> Extra { get; set; } = [];

    /// <summary>
    /// For applications that send OTLP to Prometheus 3: the <c>otlp.translation_strategy</c> it stores their metrics
    /// under. Unset, the OpenTelemetry profiles read the names the OTel Prometheus exporters write (the same as the
    /// default strategy, UnderscoreEscapingWithSuffixes).
    /// </summary>
    public OtlpTranslation? OtlpTranslation { get; set; }

    /// <summary>
    /// The most bytes of one answer read before it is abandoned; the ledger then reads the same samples in smaller
    /// parts (sharded by label), so this bounds memory, not what can be ingested.
    /// </summary>
    public int MaxAnswerMegabytes { get; set; } = 64;

    /// <summary>The most series one query answer may hold before it is abandoned (and, for the ledger, read in parts).</summary>
    public int MaxAnswerSeries { get; set; } = 20_000;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    /// <summary>
    /// The profile in use: a custom one of that name, else the built-in one, named as <see cref="OtlpTranslation"/>
    /// stores it, with <see cref="Labels"/> applied.
    /// </summary>
    public MetricProfile ActiveProfile()
    {
        var profile = Profiles.TryGetValue(Profile, out var custom) ? custom.ToProfile(Profile) : MetricProfile.BuiltIn[Profile];
        if (OtlpTranslation is { } strategy) profile = profile.WithOtlp(strategy);
        return profile.WithLabels(Labels.ToDictionary(l => l.Key, l => CustomProfile.List(l.Value)))
            .WithExtras(Extra.ToDictionary(e => e.Key, e => CustomProfile.List(e.Value)));
    }
}

public sealed partial class ValidatePrometheusOptions : IValidateOptions<PrometheusOptions>
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9_]{0,31}$")]
    private static partial System.Text.RegularExpressions.Regex ExtraName();

    public ValidateOptionsResult Validate(string? name, PrometheusOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.BaseUrl))
        {
            failures.Add("Prometheus:BaseUrl is required (for example http://127.0.0.1:9090).");
        }
        else if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Prometheus:BaseUrl '{options.BaseUrl}' is not an absolute http or https URL.");
        }

        if (!MetricProfile.BuiltIn.ContainsKey(options.Profile) && !options.Profiles.ContainsKey(options.Profile))
        {
            // Profiles whose names start with '_' are samples to copy (appsettings.json's _example-gateway), not choices.
            var choices = MetricProfile.BuiltIn.Keys.Concat(options.Profiles.Keys.Where(k => !k.StartsWith('_'))).ToList();
            var guess = Closest(options.Profile, choices);
            failures.Add($"Prometheus:Profile '{Configuration.OptionText.Printable(options.Profile)}' is not a known metric profile; use one of: {string.Join(", ", choices)}"
                + (guess is null ? "." : $" (did you mean {guess}?)."));
        }

        if (options.OtlpTranslation is { } strategy
            && (options.Profiles.ContainsKey(options.Profile) || (MetricProfile.BuiltIn.TryGetValue(options.Profile, out var builtIn) && builtIn.OtelAttributes is null)))
        {
            var otel = string.Join(", ", MetricProfile.BuiltIn.Values.Where(p => p.OtelAttributes is not null).Select(p => p.Name));
            failures.Add($"Prometheus:OtlpTranslation ({strategy}) applies to the OpenTelemetry profiles ({otel}), not to '{Configuration.OptionText.Printable(options.Profile)}': remove it, or write the stored names into a custom profile.");
        }

        foreach (var (profileName, custom) in options.Profiles)
        {
            failures.AddRange(custom.Problems(profileName));
        }

        foreach (var (dimension, labels) in options.Labels)
        {
            if (!MetricProfile.Dimensions.Contains(dimension))
                failures.Add($"Prometheus:Labels:{Configuration.OptionText.Printable(dimension)} is not a dimension; use {string.Join(", ", MetricProfile.Dimensions)}.");
            else if (dimension == "model" && CustomProfile.List(labels).Count == 0)
                failures.Add("Prometheus:Labels:model cannot be empty: every token needs its model to be priced.");
            foreach (var label in CustomProfile.List(labels).Where(l => l.Any(char.IsControl) || l.Contains('"')))
                failures.Add($"Prometheus:Labels:{Configuration.OptionText.Printable(dimension)}: '{Configuration.OptionText.Printable(label)}' is not a label name.");
        }

        foreach (var (extra, labels) in options.Extra)
        {
            if (!ExtraName().IsMatch(extra) || MetricProfile.Dimensions.Contains(extra) || extra is "day" or "hour")
                failures.Add($"Prometheus:Extra:{Configuration.OptionText.Printable(extra)} is not a usable dimension name: use 1 to 32 lowercase letters, digits and '_', starting with a letter, other than {string.Join(", ", MetricProfile.Dimensions)}, day and hour.");
            foreach (var label in CustomProfile.List(labels).Where(l => l.Any(char.IsControl) || l.Contains('"')))
                failures.Add($"Prometheus:Extra:{Configuration.OptionText.Printable(extra)}: '{Configuration.OptionText.Printable(label)}' is not a label name.");
        }

        failures.AddRange(ConnectionProblems(options));

        if (options.TimeoutSeconds is < 1 or > 600)
        {
            failures.Add($"Prometheus:TimeoutSeconds must be between 1 and 600 (was {options.TimeoutSeconds}).");
        }

        if (options.MaxAnswerMegabytes is < 1 or > 4096) failures.Add($"Prometheus:MaxAnswerMegabytes must be between 1 and 4096 (was {options.MaxAnswerMegabytes}).");
        if (options.MaxAnswerSeries is < 100 or > 10_000_000) failures.Add($"Prometheus:MaxAnswerSeries must be between 100 and 10000000 (was {options.MaxAnswerSeries}).");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What is wrong with the credentials, headers and TLS settings; secrets are never echoed.</summary>
    internal static IEnumerable<string> ConnectionProblems(PrometheusOptions options)
    {
        var auth = options.Auth;
        string? Unreadable(string key, string? file)
        {
            if (string.IsNullOrEmpty(file)) return null;
            try
            {
                using var _ = File.OpenRead(file);
                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"{key} '{Configuration.OptionText.Printable(file)}' cannot be read ({ex.GetType().Name}).";
            }
        }

        if (auth.Basic)
        {
            if (string.IsNullOrEmpty(auth.Password) == string.IsNullOrEmpty(auth.PasswordFile))
                yield return "Prometheus:Auth:Username needs exactly one of Prometheus:Auth:Password and Prometheus:Auth:PasswordFile.";
            if (auth.Bearer)
                yield return "Prometheus:Auth: set either Username (basic auth) or BearerToken/BearerTokenFile, not both.";
            if (auth.Username!.Contains(':'))
                yield return "Prometheus:Auth:Username cannot contain ':' (basic auth separates user and password with it).";
        }
        else if (!string.IsNullOrEmpty(auth.Password) || !string.IsNullOrEmpty(auth.PasswordFile))
        {
            yield return "Prometheus:Auth:Password or PasswordFile is set but Prometheus:Auth:Username is not.";
        }

        if (!string.IsNullOrEmpty(auth.BearerToken) && !string.IsNullOrEmpty(auth.BearerTokenFile))
            yield return "Prometheus:Auth: set BearerToken or BearerTokenFile, not both.";
        if (Unreadable("Prometheus:Auth:PasswordFile", auth.PasswordFile) is { } password) yield return password;
        if (Unreadable("Prometheus:Auth:BearerTokenFile", auth.BearerTokenFile) is { } token) yield return token;

        foreach (var (name, value) in options.Headers)
        {
            if (name.Length == 0 || !name.All(c => c < 127 && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c))))
                yield return $"Prometheus:Headers: '{Configuration.OptionText.Printable(name)}' is not a header name.";
            else if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                yield return "Prometheus:Headers:Authorization is not used: set Prometheus:Auth (Username and Password, or BearerToken).";
            if ((value ?? "").Any(char.IsControl))
                yield return $"Prometheus:Headers:{Configuration.OptionText.Printable(name)} contains a line break or another control character.";
        }

        var tls = options.Tls;
        if (string.IsNullOrEmpty(tls.CertFile) != string.IsNullOrEmpty(tls.KeyFile))
            yield return "Prometheus:Tls:CertFile and Prometheus:Tls:KeyFile go together (a client certificate and its key, PEM).";
        if (tls.InsecureSkipVerify && !string.IsNullOrEmpty(tls.CaFile))
            yield return "Prometheus:Tls:InsecureSkipVerify makes Prometheus:Tls:CaFile pointless: set one of them.";
        if ((tls.InsecureSkipVerify || !string.IsNullOrEmpty(tls.CaFile) || !string.IsNullOrEmpty(tls.CertFile))
            && Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var url) && url.Scheme != Uri.UriSchemeHttps)
            yield return $"Prometheus:Tls is set but Prometheus:BaseUrl '{Configuration.OptionText.Printable(options.BaseUrl)}' is not https.";
        foreach (var (key, file) in new[] { ("Prometheus:Tls:CaFile", tls.CaFile), ("Prometheus:Tls:CertFile", tls.CertFile), ("Prometheus:Tls:KeyFile", tls.KeyFile) })
        {
            if (Unreadable(key, file) is { } problem) yield return problem;
        }

        if (!string.IsNullOrEmpty(tls.CaFile) && File.Exists(tls.CaFile))
        {
            string? bad = null;
            try
            {
                var authorities = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                authorities.ImportFromPemFile(tls.CaFile);
                if (authorities.Count == 0) bad = "holds no PEM certificate";
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                bad = $"is not a PEM certificate ({ex.Message})";
            }

            if (bad is not null) yield return $"Prometheus:Tls:CaFile '{Configuration.OptionText.Printable(tls.CaFile)}' {bad}.";
        }

        if (!string.IsNullOrEmpty(tls.CertFile) && !string.IsNullOrEmpty(tls.KeyFile) && File.Exists(tls.CertFile) && File.Exists(tls.KeyFile))
        {
            string? bad = null;
            try
            {
                using var _ = PrometheusConnection.LoadClientCertificate(tls.CertFile, tls.KeyFile);
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                bad = ex.Message;
            }

            if (bad is not null) yield return $"Prometheus:Tls:CertFile and KeyFile are not a PEM certificate and its private key ({bad}).";
        }
    }

    /// <summary>The choice a misspelt name most likely meant: one that starts with it, or is within a few edits of it.</summary>
    internal static string? Closest(string typed, IReadOnlyList<string> choices)
    {
        if (typed.Length == 0) return null;
        var prefixed = choices.Where(c => c.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).ToList();
        if (prefixed.Count == 1) return prefixed[0];
        var (best, distance) = choices.Select(c => (c, Distance(typed.ToLowerInvariant(), c.ToLowerInvariant()))).MinBy(p => p.Item2);
        return best is not null && distance <= Math.Max(2, typed.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
