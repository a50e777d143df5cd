using System.Security.Claims;
using CostConsole.Configuration;
using CostConsole.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CostConsole.Features.Identity;

/// <summary>
/// The currency each user sees money in: their own choice (kept with the user, set by the pages' currency pickers),
/// else Display:Currency. A page's <c>cur=</c> shows another for that view without changing the choice.
/// </summary>
public sealed class UserCurrency(IDbContextFactory<CostConsoleDbContext> dbFactory, IOptions<DisplayOptions> display)
{
    public async Task<string> OfAsync(ClaimsPrincipal user, CancellationToken cancellationToken = default)
    {
        var name = user.Identity?.Name;
        if (string.IsNullOrEmpty(name)) return display.Value.Currency;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var chosen = await db.Users.AsNoTracking().Where(u => u.UserName == name || u.Email == name).Select(u => u.DisplayCurrency).FirstOrDefaultAsync(cancellationToken);
        return chosen is { Length: 3 } code && Currencies.IsIso4217(code) ? code : display.Value.Currency;
    }

    /// <summary>The currency of a user named by id (a digest's subscriber): their choice, else Display:Currency.</summary>
    public async Task<string> OfUserIdAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var chosen = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.DisplayCurrency).FirstOrDefaultAsync(cancellationToken);
        return chosen is { Length: 3 } code && Currencies.IsIso4217(code) ? code : display.Value.Currency;
    }

    /// <summary>Keeps the user's choice; false when the code is not ISO 4217 (nothing is stored then).</summary>
    public async Task<bool> ChooseAsync(ClaimsPrincipal user, string currency, CancellationToken cancellationToken = default)
    {
        var name = user.Identity?.Name;
        var code = currency.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(name) || !Currencies.IsIso4217(code)) return false;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Users.Where(u => u.UserName == name || u.Email == name).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisplayCurrency, code), cancellationToken);
        return true;
    }
}
