namespace CostConsole.Features.Pricing;

/// <summary>A catalogue's price for a model, and where it came from, to fill in a new entry (never saved by itself).</summary>
/// <summary>A price to fill the editor with, and where it comes from; <paramref name="FromItsDate"/>: its effective-from fills the first hour too.</summary>
public sealed record SuggestedPrice(PriceEntry Entry, string Source, bool FromItsDate = false);

/// <summary>
/// The dated price catalogue the operator points <c>Prices:CatalogueFile</c> at (a copy of genai-prices'
/// <c>prices/data.json</c>): "add a price" for an unpriced model opens the editor with the catalogue's price in force
/// now, so closing the gap is one confirmation. The file is read again when it changes; a missing or broken file
/// suggests nothing and says why in the log.
/// </summary>
public sealed class PriceCatalogue(IConfiguration configuration, TimeProvider time, ILogger<PriceCatalogue> logger)
{
    public const string Setting = "Prices:CatalogueFile";

    private (string Path, DateTime Written, string Text)? _file;

    public async Task<SuggestedPrice?> SuggestAsync(string model, CancellationToken cancellationToken = default)
    {
        var path = configuration[Setting];
        if (string.IsNullOrWhiteSpace(path)) return null;
        string text;
        try
        {
            var written = File.GetLastWriteTimeUtc(path);
            if (_file is not { } cached || cached.Path != path || cached.Written != written)
            {
                _file = (path, written, await File.ReadAllTextAsync(path, cancellationToken));
            }

            text = _file.Value.Text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("{Setting} {Path} cannot be read ({Error}): no catalogue prices are suggested", Setting, path, ex.Message);
            return null;
        }

        // The undated price stands first; a dated one replaces it from its start date.
        var now = time.GetUtcNow();
        var parsed = GenAiPrices.Parse(text, DateTimeOffset.UnixEpoch, [model]);
        if (parsed.Problems.Count > 0)
        {
            logger.LogWarning("{Setting} {Path} is not a genai-prices catalogue: {Problem}", Setting, path, parsed.Problems[0]);
            return null;
        }

        var inForce = parsed.Entries.Where(e => e.EffectiveFrom <= now).MaxBy(e => e.EffectiveFrom);
        return inForce is null
            ? null
            : new SuggestedPrice(inForce, inForce.EffectiveFrom == DateTimeOffset.UnixEpoch
                ? $"the catalogue {Path.GetFileName(path)}"
                : $"the catalogue {Path.GetFileName(path)}, in force since {inForce.EffectiveFrom:yyyy-MM-dd}");
    }
}
