using CostConsole.Features.Identity;
using CostConsole.Features.Teams;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CostConsole.Data;

public sealed class CostConsoleDbContext(DbContextOptions<CostConsoleDbContext> options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<Team> Teams => Set<Team>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Team>(team =>
        {
            team.Property(t => t.Name).HasMaxLength(Team.MaxNameLength).UseCollation("NOCASE");
            team.HasIndex(t => t.Name).IsUnique();
            team.HasMany(t => t.Managers).WithMany(u => u.ManagedTeams).UsingEntity("TeamManagers");
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
