using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CostConsole.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the SQLite model without starting the app.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CostConsoleDbContext>
{
    public CostConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CostConsoleDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>
/// The same for PostgreSQL (<c>--context PostgreSqlCostConsoleDbContext</c>); adding a migration builds the model only
/// and never connects, so the connection string names no real server.
/// </summary>
internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlCostConsoleDbContext>
{
    public PostgreSqlCostConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlCostConsoleDbContext>().UseNpgsql("Host=design-time;Database=costconsole").Options);
}
