using CostConsole.Features.ApiTokens;
using CostConsole.Features.Budgets;
using CostConsole.Features.Digests;
using CostConsole.Features.Identity;
using CostConsole.Features.Ledger;
using CostConsole.Features.Pricing;
using CostConsole.Features.Rates;
using CostConsole.Features.Reconcile;
using CostConsole.Features.Teams;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CostConsole.Data;

/// <summary>
/// CostConsole's data on SQLite (the default), and the model both providers share; the migrations of
/// <c>migrations/Sqlite</c> belong to this type, PostgreSQL's to <see cref="PostgreSqlCostConsoleDbContext"/>.
/// </summary>
public class CostConsoleDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.IDataProtectionKeyContext
{
    /// <summary>The keys that protect cookies and antiforgery tokens, shared by every replica on PostgreSQL (SQLite keeps them in a folder).</summary>
    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();

    /// <summary>The collation team names are compared and kept unique in: case-insensitive on both providers.</summary>
    protected virtual string CaseInsensitive => "NOCASE";

    public DbSet<Team> Teams => Set<Team>();

    public DbSet<PriceRecord> Prices => Set<PriceRecord>();

    public DbSet<PriceAudit> PriceAudits => Set<PriceAudit>();

    public DbSet<Budget> Budgets => Set<Budget>();

    public DbSet<BudgetAudit> BudgetAudits => Set<BudgetAudit>();

    public DbSet<BudgetCrossing> BudgetCrossings => Set<BudgetCrossing>();

    public DbSet<DigestSubscription> DigestSubscriptions => Set<DigestSubscription>();

    public DbSet<DigestDelivery> DigestDeliveries => Set<DigestDelivery>();

    public DbSet<LedgerSet> LedgerSets => Set<LedgerSet>();

    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();

    public DbSet<LedgerHour> LedgerHours => Set<LedgerHour>();

    public DbSet<LedgerDay> LedgerDays => Set<LedgerDay>();

    public DbSet<LedgerMonth> LedgerMonths => Set<LedgerMonth>();

    public DbSet<LedgerRollup> LedgerRollups => Set<LedgerRollup>();

    public DbSet<FeatureOwner> FeatureOwners => Set<FeatureOwner>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<ReportImport> ReportImports => Set<ReportImport>();

    public DbSet<ReportLineRecord> ReportLines => Set<ReportLineRecord>();

    public DbSet<ReportPull> ReportPulls => Set<ReportPull>();

    public DbSet<ReportMappingRecord> ReportMappings => Set<ReportMappingRecord>();

    public DbSet<ExchangeRateRecord> ExchangeRates => Set<ExchangeRateRecord>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Users that existed before disabling existed are enabled (the column's default); true is the "not set" value.
        builder.Entity<AppUser>().Property(u => u.Enabled).HasDefaultValue(true).HasSentinel(true);

        builder.Entity<Team>(team =>
        {
            team.Property(t => t.Name).HasMaxLength(Team.MaxNameLength).UseCollation(CaseInsensitive);
            team.HasIndex(t => t.Name).IsUnique();
            team.HasMany(t => t.Managers).WithMany(u => u.ManagedTeams).UsingEntity("TeamManagers");
        });

        builder.Entity<PriceRecord>(price =>
        {
            price.ToTable("Prices");
            price.Property(p => p.Model).HasMaxLength(PriceValidation.MaxModelLength);
            price.Property(p => p.Variant).HasMaxLength(PriceValidation.MaxVariantLength);
            price.HasIndex(p => new { p.Model, p.Variant, p.EffectiveFromUtc }).IsUnique();
            price.Property(p => p.Version).IsConcurrencyToken();
            // The prices the seed material states; nothing else is invented. In force from each model's release.
            price.HasData(
                new PriceRecord { Id = 1, Model = "gpt-4o-2024-11-20", EffectiveFromUtc = new DateTimeOffset(2024, 11, 20, 0, 0, 0, TimeSpan.Zero), InputPerMTok = 2.50m, OutputPerMTok = 10.00m, CachedInputPerMTok = 1.25m, CreatedBy = "starter data" },
                new PriceRecord { Id = 2, Model = "gpt-4o-mini", EffectiveFromUtc = new DateTimeOffset(2024, 7, 18, 0, 0, 0, TimeSpan.Zero), InputPerMTok = 0.15m, OutputPerMTok = 0.60m, CreatedBy = "starter data" });
        });

        builder.Entity<PriceAudit>(audit =>
        {
            audit.ToTable("PriceAudit");
            audit.Property(a => a.Model).HasMaxLength(PriceValidation.MaxModelLength);
            audit.Property(a => a.Reason).HasMaxLength(PriceAudit.MaxReasonLength);
            audit.Property(a => a.Action).HasConversion<string>().HasMaxLength(16);
            audit.HasIndex(a => new { a.Model, a.AtUtc });
            audit.HasIndex(a => a.AtUtc);
        });

        builder.Entity<Budget>(budget =>
        {
            budget.HasIndex(b => new { b.TeamId, b.FromMonth }).IsUnique();
            budget.HasOne<Team>().WithMany().HasForeignKey(b => b.TeamId).OnDelete(DeleteBehavior.Cascade);
            budget.Property(b => b.Thresholds).HasMaxLength(100);
            budget.Ignore(b => b.ThresholdList);
        });
        builder.Entity<BudgetAudit>(audit =>
        {
            audit.Property(a => a.Scope).HasMaxLength(Team.MaxNameLength);
            audit.HasIndex(a => a.AtUtc);
        });
        builder.Entity<BudgetCrossing>(crossing =>
        {
            crossing.HasIndex(c => new { c.TeamId, c.Month, c.Threshold }).IsUnique();
            crossing.HasOne<Team>().WithMany().HasForeignKey(c => c.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<LedgerSet>(set =>
        {
            set.ToTable("LedgerSets");
            set.HasIndex(s => new { s.Model, s.Provider, s.Feature, s.Team, s.Operation, s.Outcome, s.Extra, s.Variant }).IsUnique();
            // Filters narrow by feature or model: served by these before the rows are read by key.
            set.HasIndex(s => s.Feature);
        });
        // Hour, day and month rows: (time, set, type) is the key and the only index; every read is a time range. SetId is
        // not declared a foreign key (that would index every row once more): sets are only ever added, by the writer.
        builder.Entity<LedgerEntry>(entry =>
        {
            entry.ToTable("LedgerTokens");
            entry.HasKey(e => new { e.HourUnix, e.SetId, e.TokenType });
        });
        builder.Entity<LedgerDay>(day =>
        {
            day.ToTable("LedgerDays");
            day.HasKey(e => new { e.DayUnix, e.SetId, e.TokenType });
        });
        builder.Entity<LedgerMonth>(month =>
        {
            month.ToTable("LedgerMonths");
            month.HasKey(e => new { e.MonthUnix, e.SetId, e.TokenType });
        });
        builder.Entity<LedgerRollup>(rollup =>
        {
            rollup.HasKey(r => r.MonthUnix);
            rollup.Property(r => r.MonthUnix).ValueGeneratedNever();
        });
        builder.Entity<LedgerHour>(hour =>
        {
            hour.HasKey(h => h.HourUnix);
            hour.Property(h => h.HourUnix).ValueGeneratedNever();
        });
        builder.Entity<FeatureOwner>(owner =>
        {
            owner.HasKey(o => o.Feature);
            owner.HasOne<Team>().WithMany().HasForeignKey(o => o.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<DigestSubscription>(subscription =>
        {
            subscription.Property(s => s.TimeZone).HasMaxLength(64);
            subscription.Property(s => s.Days).HasConversion<string>().HasMaxLength(16);
            subscription.HasOne(s => s.User).WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            subscription.HasOne<Team>().WithMany().HasForeignKey(s => s.TeamId).OnDelete(DeleteBehavior.Cascade);
            subscription.HasIndex(s => new { s.UserId, s.TeamId });
        });

        builder.Entity<DigestDelivery>(delivery =>
        {
            delivery.Property(d => d.LocalDate).HasMaxLength(10);
            delivery.Property(d => d.Kind).HasConversion<string>().HasMaxLength(16);
            delivery.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            delivery.HasOne<DigestSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
            // The at-most-once guarantee: one scheduled digest per subscription and local date, whoever inserts first.
            delivery.HasIndex(d => new { d.SubscriptionId, d.LocalDate }).IsUnique().HasFilter("\"Kind\" = 'Scheduled'");
            delivery.HasIndex(d => new { d.SubscriptionId, d.CreatedUtc });
        });

        builder.Entity<ApiToken>(token =>
        {
            token.Property(t => t.Name).HasMaxLength(ApiToken.MaxNameLength);
            token.HasIndex(t => t.Hash).IsUnique();
        });

        builder.Entity<ReportImport>(import =>
        {
            import.Property(i => i.Source).HasMaxLength(32);
            import.Property(i => i.Provider).HasMaxLength(32);
            import.Property(i => i.Actor).HasMaxLength(256);
            import.Property(i => i.Origin).HasMaxLength(300);
            import.HasIndex(i => new { i.Source, i.FromDay });
        });
        builder.Entity<ReportLineRecord>(line =>
        {
            line.ToTable("ReportLines");
            line.Property(l => l.Source).HasMaxLength(32);
            line.Property(l => l.Provider).HasMaxLength(32);
            line.Property(l => l.Model).HasMaxLength(300);
            line.Property(l => l.Variant).HasMaxLength(300);
            line.Property(l => l.Account).HasMaxLength(300);
            line.Property(l => l.ApiKey).HasMaxLength(300);
            line.Property(l => l.Kind).HasMaxLength(600);
            line.Property(l => l.Sku).HasMaxLength(300);
            line.Property(l => l.Resource).HasMaxLength(300);
            line.Property(l => l.Tags).HasMaxLength(4000);
            line.Property(l => l.DetailModel).HasMaxLength(300);
            line.Property(l => l.DetailTokenType).HasMaxLength(32);
            line.HasIndex(l => l.Day);
            line.HasIndex(l => l.ImportId);
            line.HasOne<ReportImport>().WithMany().HasForeignKey(l => l.ImportId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ReportMappingRecord>(mapping =>
        {
            mapping.ToTable("ReportMappings");
            foreach (var name in new[] { nameof(ReportMappingRecord.Kind), nameof(ReportMappingRecord.TokenType) }) mapping.Property(name).HasMaxLength(32);
            foreach (var name in new[] { nameof(ReportMappingRecord.Field), nameof(ReportMappingRecord.Match), nameof(ReportMappingRecord.Model), nameof(ReportMappingRecord.Variant), nameof(ReportMappingRecord.Team) })
                mapping.Property(name).HasMaxLength(MappingRule.MaxLength);
            mapping.Property(m => m.CreatedBy).HasMaxLength(256);
            mapping.HasIndex(m => new { m.Kind, m.Field, m.Match }).IsUnique();
        });

        builder.Entity<ExchangeRateRecord>(rate =>
        {
            rate.Property(r => r.Currency).HasMaxLength(3);
            rate.Property(r => r.Source).HasMaxLength(100);
            rate.Property(r => r.CreatedBy).HasMaxLength(256);
            rate.HasIndex(r => new { r.Currency, r.Day }).IsUnique();
        });

        builder.Entity<ReportPull>(pull =>
        {
            pull.Property(p => p.Source).HasMaxLength(32);
            pull.Property(p => p.Message).HasMaxLength(2000);
        });

        // SQLite cannot order or compare DateTimeOffset columns natively; store UTC ticks instead.
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties().Where(p => p.ClrType == typeof(DateTimeOffset) || p.ClrType == typeof(DateTimeOffset?)))
            {
                property.SetValueConverter(new DateTimeOffsetToBinaryConverter());
            }
        }
    }
}

/// <summary>
/// The same model on PostgreSQL. Times stay stored as UTC ticks (the converter above) so both providers hold the
/// same values and <c>db copy</c> moves rows as they are; team names use a nondeterministic ICU collation, PostgreSQL's
/// equivalent of SQLite's NOCASE.
/// </summary>
public sealed class PostgreSqlCostConsoleDbContext(DbContextOptions options) : CostConsoleDbContext(options)
{
    public const string CaseInsensitiveCollation = "case_insensitive";

    protected override string CaseInsensitive => CaseInsensitiveCollation;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.HasCollation(CaseInsensitiveCollation, locale: "und-u-ks-level2", provider: "icu", deterministic: false);
        base.OnModelCreating(builder);
    }
}
