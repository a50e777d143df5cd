using System.Globalization;
using System.Text.Json;

namespace CostConsole.Core.Reports;

/// <summary>
/// Reads a FOCUS 1.x cost and usage CSV (the FinOps Open Cost and Usage Specification, as Bedrock, Azure OpenAI and
/// Vertex bills are exported): one line per row, with the row's raw SKU, resource, meter, account and tags kept for the
/// mapping rules, which are applied when the bill is read (so a rule added later maps rows already imported). Usage rows
/// must lie within one UTC day; BillingCurrency must be USD; a negative BilledCost is allowed only on credits and
/// adjustments; a column that is neither FOCUS's nor custom (<c>x_</c>) is refused, so a file of another shape is not
/// read as a bill by accident. Any problem stops the whole file, naming its line and column.
/// </summary>
public static class FocusBill
{
    /// <summary>The columns of FOCUS 1.0 to 1.2 (custom columns start with x_).</summary>
    public static readonly IReadOnlySet<string> Columns = new HashSet<string>(StringComparer.Ordinal)
    {
        "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
        "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
        "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
        "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
        "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
        "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
        "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
        // The AI billing columns of the specification's later examples (specification/data/ai_model_billing).
        "HostProviderName", "ServiceProviderName", "PrincipalId", "CredentialId", "RequesterDetails",
    };

    private static readonly string[] Required = ["ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "BillingCurrency"];

    /// <param name="rows">The CSV's rows with their line numbers, the header first.</param>
    public static ParsedReport Parse(IReadOnlyList<(int Line, string[] Fields)> rows, DateTimeOffset now)
    {
        const string Source = ReportSources.Focus;
        if (rows.Count == 0) return new ParsedReport(Source, default, default, [], [new ReportProblem("file", "is empty: a FOCUS CSV starts with its header row")]);
        var header = rows[0].Fields;
        List<ReportProblem> problems = [];
        foreach (var column in header.Where(c => !Columns.Contains(c) && !c.StartsWith("x_", StringComparison.Ordinal)))
        {
            problems.Add(new ReportProblem("line 1", $"unknown column '{Echo.Printable(column)}': FOCUS columns are named as the specification names them, custom ones start with x_"));
        }

        foreach (var column in Required.Where(c => !header.Contains(c)))
        {
            problems.Add(new ReportProblem("line 1", $"the required column {column} is missing"));
        }

        if (problems.Count > 0) return new ParsedReport(Source, default, default, [], problems);
        var index = header.Select((name, i) => (name, i)).GroupBy(c => c.name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        List<ReportLine> lines = [];
        DateOnly? from = null, to = null;
        foreach (var (line, fields) in rows.Skip(1))
        {
            string Cell(string column) => index.TryGetValue(column, out var i) && i < fields.Length ? fields[i].Trim() : "";
            var where = $"line {line}";
            var before = problems.Count;
            if (fields.Length != header.Length)
            {
                problems.Add(new ReportProblem(where, $"has {fields.Length} cells; the header has {header.Length}"));
                continue;
            }

            DateTimeOffset? Time(string column)
            {
                if (DateTimeOffset.TryParse(Cell(column), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return time.ToUniversalTime();
                problems.Add(new ReportProblem(where, $"{column} '{Echo.Printable(Cell(column))}' is not a date and time (ISO 8601, e.g. 2026-11-01T00:00:00Z)"));
                return null;
            }

            var start = Time("ChargePeriodStart");
            var end = Time("ChargePeriodEnd");
            var category = Cell("ChargeCategory");
            var usage = category is "" or "Usage";
            if (!decimal.TryParse(Cell("BilledCost"), NumberStyles.Float, CultureInfo.InvariantCulture, out var cost))
            {
                problems.Add(new ReportProblem(where, $"BilledCost '{Echo.Printable(Cell("BilledCost"))}' is not a number"));
            }
            else if (cost < 0 && usage)
            {
                problems.Add(new ReportProblem(where, $"BilledCost {Cell("BilledCost")} is negative on a usage row (only credits and adjustments are)"));
            }

            var currency = Cell("BillingCurrency");
            if (!Currencies.IsIso4217(currency)) problems.Add(new ReportProblem(where, $"BillingCurrency '{Echo.Printable(currency)}' is not an ISO 4217 currency code"));
            else if (currency != Currencies.Billing) problems.Add(new ReportProblem(where, $"BillingCurrency {currency}: bills are read in USD, the billing currency prices are kept in"));

            long tokens = 0;
            if (Cell("ConsumedQuantity") is { Length: > 0 } quantityText)
            {
                if (!decimal.TryParse(quantityText, NumberStyles.Float, CultureInfo.InvariantCulture, out var quantity) || quantity < 0)
                    problems.Add(new ReportProblem(where, $"ConsumedQuantity '{Echo.Printable(quantityText)}' is not a number of 0 or more"));
                else if (TokensPer(Cell("ConsumedUnit")) is { } factor)
                    tokens = (long)decimal.Round(quantity * factor);
            }

            var tags = Tags(Cell("Tags"), where, problems);
            foreach (var (column, text) in new[] { ("SkuId", Cell("SkuId")), ("ResourceName", Cell("ResourceName")), ("ChargeDescription", Cell("ChargeDescription")), ("SubAccountId", Cell("SubAccountId")) })
            {
                if (text.Length > 300 || text.Any(char.IsControl)) problems.Add(new ReportProblem(where, $"{column} is longer than 300 characters or contains control characters"));
            }

            if (problems.Count > before || start is null || end is null) continue;
            if (end <= start || DateOnly.FromDateTime(start.Value.UtcDateTime) != DateOnly.FromDateTime(end.Value.UtcDateTime.AddTicks(-1)))
            {
                problems.Add(new ReportProblem(where, $"charges {start:yyyy-MM-ddTHH:mm}Z to {end:yyyy-MM-ddTHH:mm}Z: a row must lie within one UTC day (export the bill daily or hourly)"));
                continue;
            }

            if (start > now)
            {
                problems.Add(new ReportProblem(where, $"ChargePeriodStart {start:yyyy-MM-ddTHH:mm}Z is after now: a bill cannot cover the future"));
                continue;
            }

            var day = DateOnly.FromDateTime(start.Value.UtcDateTime);
            from = from is { } f && f < day ? f : day;
            to = to is { } t && t > day.AddDays(1) ? t : day.AddDays(1);
            var account = Cell("SubAccountId") is { Length: > 0 } id ? id : Cell("SubAccountName");
            var (detailModel, detailType) = PriceDetails(Cell("SkuPriceDetails"));
            lines.Add(new ReportLine(day, "", "", account, Cell("CredentialId"), ReportTokens.Zero, cost, usage ? Cell("ChargeDescription") : $"{category}: {Cell("ChargeDescription")}", usage)
            {
                Bill = new BillFields(Cell("SkuId"), Cell("ResourceName") is { Length: > 0 } name ? name : Cell("ResourceId"), Cell("ChargeDescription"), account, Cell("CredentialId"), tags)
                {
                    DetailModel = detailModel,
                    DetailTokenType = detailType,
                },
                BillTokens = tokens,
            });
            if (problems.Count > 200) break;
        }

        if (problems.Count == 0 && lines.Count == 0) problems.Add(new ReportProblem("file", ProviderReports.NoBuckets));
        return problems.Count > 0 ? new ParsedReport(Source, default, default, [], problems) : new ParsedReport(Source, from!.Value, to!.Value, lines, []);
    }

    /// <summary>Tokens per unit of a token unit ("Tokens", "1K Tokens", "1M Tokens", "Million Tokens"…), or null for any other unit.</summary>
    public static decimal? TokensPer(string unit)
    {
        var u = unit.Trim().ToLowerInvariant();
        if (!u.EndsWith("tokens", StringComparison.Ordinal) && !u.EndsWith("token", StringComparison.Ordinal)) return null;
        var prefix = u[..u.LastIndexOf("token", StringComparison.Ordinal)].Trim();
        return prefix switch
        {
            "" or "1" => 1m,
            "1k" or "1000" or "1,000" or "thousand" or "k" => 1_000m,
            "1m" or "1000000" or "1,000,000" or "million" or "m" => 1_000_000m,
            _ => null,
        };
    }

    /// <summary>
    /// The model and token type a row's SkuPriceDetails names, as the specification's AI billing examples write them:
    /// <c>ModelId</c>, and <c>TokenDirection</c> (Input, Output) with <c>TokenCacheAction</c> (Read, Write, Uncached), or
    /// an older <c>TokenType</c> (Input, Output). Empty when the row names none (or the cell is not a JSON object).
    /// </summary>
    public static (string Model, string TokenType) PriceDetails(string text)
    {
        if (text.Length == 0) return ("", "");
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ("", "");
            string Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            var model = Get("ModelId");
            var direction = Get("TokenDirection") is { Length: > 0 } d ? d : Get("TokenType");
            var type = (direction.ToLowerInvariant(), Get("TokenCacheAction").ToLowerInvariant()) switch
            {
                ("output", _) => "output",
                ("input", "read") => "cached input",
                ("input", "write") => "cache write",
                ("input", _) => "input",
                _ => "",
            };
            return model.Length > MappingRule.MaxLength || model.Any(char.IsControl) ? ("", "") : (model, type);
        }
        catch (JsonException)
        {
            return ("", "");
        }
    }

    /// <summary>FOCUS Tags: a JSON object of string keys and values; empty when absent.</summary>
    private static Dictionary<string, string> Tags(string text, string where, List<ReportProblem> problems)
    {
        if (text.Length == 0) return [];
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
            }
        }
        catch (JsonException)
        {
        }

        problems.Add(new ReportProblem(where, $"Tags '{Echo.Printable(text)}' is not a JSON object of keys and values"));
        return [];
    }
}
