namespace CostConsole.Workload;

public sealed record ModelSpec(string Name, string Provider, string Operation);

/// <summary>One product feature that calls LLMs: who owns it, how busy it is, and the shape of its requests.</summary>
public sealed record FeatureSpec(
    string Name,
    string Team,
    double Weight,
    IReadOnlyList<(ModelSpec Model, double Share)> Models,
    double MedianInputTokens,
    double MedianOutputTokens,
    double CachedFraction);

/// <summary>The synthetic organisation: models, teams and ~30 features with a long tail, all drawn from the seed.</summary>
public sealed record Catalog(IReadOnlyList<ModelSpec> Models, IReadOnlyList<string> Teams, IReadOnlyList<FeatureSpec> Features)
{
    public static readonly ModelSpec Gpt4o = new("gpt-4o-2024-11-20", "openai", "chat");
    public static readonly ModelSpec Gpt4oMini = new("gpt-4o-mini", "openai", "chat");
    public static readonly ModelSpec Sonnet = new("claude-3-5-sonnet-20241022", "anthropic", "chat");
    public static readonly ModelSpec Haiku = new("claude-3-5-haiku-20241022", "anthropic", "chat");
    public static readonly ModelSpec GeminiFlash = new("gemini-1.5-flash", "google", "chat");
    public static readonly ModelSpec Embedding = new("text-embedding-3-small", "openai", "embeddings");

    private static readonly string[] TeamNames = ["search", "support", "growth", "platform", "data-science", "mobile"];

    private static readonly string[] ChatFeatures =
    [
        "support-chat", "ticket-summary", "query-rewrite", "doc-qa", "code-review", "sql-assistant", "email-draft",
        "meeting-notes", "product-descriptions", "translation", "sentiment", "onboarding-guide", "release-notes",
        "faq-bot", "invoice-extract", "contract-review", "ad-copy", "churn-insights", "push-copy", "app-store-replies",
        "log-triage", "incident-summary", "pr-describer", "schema-docs", "voice-summary", "kb-autotag", "image-alt-text",
    ];

    private static readonly string[] EmbeddingFeatures = ["search-rerank", "semantic-search", "embeddings-index"];

    public static Catalog Create(int seed, int featureCount = 30)
    {
        var random = new Random(seed);
        var chatModels = new[] { Gpt4o, Gpt4oMini, Sonnet, Haiku, GeminiFlash };
        var modelPopularity = new[] { 0.30, 0.30, 0.18, 0.14, 0.08 };
        var names = ChatFeatures.Concat(EmbeddingFeatures).OrderBy(_ => random.Next()).Take(Math.Clamp(featureCount, 1, 30)).ToList();
        List<FeatureSpec> features = [];
        for (var rank = 0; rank < names.Count; rank++)
        {
            var name = names[rank];
            var team = TeamNames[rank % TeamNames.Length];
            // Zipf-like long tail: the top feature is ~40x the 30th.
            var weight = 1.0 / Math.Pow(rank + 1, 1.1);
            if (EmbeddingFeatures.Contains(name))
            {
                features.Add(new FeatureSpec(name, team, weight, [(Embedding, 1.0)], 400 + random.Next(800), 0, 0));
                continue;
            }

            var primary = chatModels[Pick(random, modelPopularity)];
            List<(ModelSpec, double)> models = [(primary, 1.0)];
            if (random.NextDouble() < 0.3)
            {
                var secondary = chatModels.Where(m => m != primary).ElementAt(random.Next(chatModels.Length - 1));
                models = [(primary, 0.8), (secondary, 0.2)];
            }

            var cached = random.NextDouble() < 0.35 ? 0.4 + random.NextDouble() * 0.45 : 0;
            features.Add(new FeatureSpec(name, team, weight, models, 300 + random.Next(5500), 60 + random.Next(700), cached));
        }

        return new Catalog([Gpt4o, Gpt4oMini, Sonnet, Haiku, GeminiFlash, Embedding], TeamNames, features);
    }

    internal static int Pick(Random random, IReadOnlyList<double> weights)
    {
        var total = weights.Sum();
        var x = random.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }
}
