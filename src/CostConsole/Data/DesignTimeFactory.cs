using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CostConsole.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the app.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CostConsoleDbContext>
{
    public CostConsoleDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CostConsoleDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
