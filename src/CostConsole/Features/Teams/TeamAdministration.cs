using CostConsole.Data;
using CostConsole.Features.Identity;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Teams;

/// <param name="ProviderManagers">Those of the managers whose team comes from their groups at the identity provider (not removable here).</param>
public sealed record TeamSummary(int Id, string Name, IReadOnlyList<string> ManagerEmails, IReadOnlyList<string>? ProviderManagers = null);

/// <summary>Teams and who manages them. Names are unique (case-insensitive) and plain text.</summary>
public sealed class TeamAdministration(IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time, ILogger<TeamAdministration> logger)
{
    public async Task<IReadOnlyList<TeamSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Managers).ToListAsync(cancellationToken);
        return [.. teams
            .OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .Select(t => new TeamSummary(t.Id, t.Name, [.. t.Managers.Select(m => m.Email ?? "").Order(StringComparer.OrdinalIgnoreCase)],
                [.. t.Managers.Where(m => m.RoleFromProvider).Select(m => m.Email ?? "")]))];
    }

    public static string? ValidateName(string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return "A team needs a name.";
        }

        if (trimmed.Length > Team.MaxNameLength)
        {
            return $"A team name has at most {Team.MaxNameLength} characters.";
        }

        if (trimmed.Any(char.IsControl))
        {
            return "A team name cannot contain control characters such as line breaks.";
        }

        return null;
    }

    public async Task<AdminResult> CreateAsync(string? name, CancellationToken cancellationToken = default)
    {
        if (ValidateName(name) is { } problem)
        {
            return AdminResult.Fail(problem);
        }

        var trimmed = name!.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Teams.AnyAsync(t => t.Name == trimmed, cancellationToken))
        {
            return AdminResult.Fail($"A team named '{trimmed}' already exists.");
        }

        db.Teams.Add(new Team { Name = trimmed, CreatedUtc = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A concurrent create of the same name lost the race against the unique index.
            return AdminResult.Fail($"A team named '{trimmed}' already exists.");
        }

        logger.LogInformation("Created team {Team}", trimmed);
        return AdminResult.Ok;
    }

    /// <summary>Makes the user a manager of the team. Only users with the Manager role can manage teams.</summary>
    public async Task<AdminResult> AddManagerAsync(int teamId, string? email, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.Include(t => t.Managers).SingleOrDefaultAsync(t => t.Id == teamId, cancellationToken);
        if (team is null)
        {
            return AdminResult.Fail("That team no longer exists.");
        }

        var normalized = email?.Trim().ToUpperInvariant();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken);
        if (user is null)
        {
            return AdminResult.Fail($"No user has the email '{email}'.");
        }

        if (user.RoleFromProvider)
        {
            return AdminResult.Fail($"The teams {user.Email} manages come from their groups at the identity provider: change their groups there.");
        }

        var isManager = await (from ur in db.UserRoles
                               join r in db.Roles on ur.RoleId equals r.Id
                               where ur.UserId == user.Id && r.Name == Roles.Manager
                               select ur).AnyAsync(cancellationToken);
        if (!isManager)
        {
            return AdminResult.Fail($"{user.Email} does not have the Manager role; give it first.");
        }

        if (team.Managers.All(m => m.Id != user.Id))
        {
            team.Managers.Add(user);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("{Email} now manages team {Team}", user.Email, team.Name);
        }

        return AdminResult.Ok;
    }

    public async Task<AdminResult> RemoveManagerAsync(int teamId, string email, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.Include(t => t.Managers).SingleOrDefaultAsync(t => t.Id == teamId, cancellationToken);
        var manager = team?.Managers.FirstOrDefault(m => string.Equals(m.Email, email, StringComparison.OrdinalIgnoreCase));
        if (team is null || manager is null)
        {
            return AdminResult.Fail("That manager or team no longer exists.");
        }

        if (manager.RoleFromProvider)
        {
            return AdminResult.Fail($"The teams {manager.Email} manages come from their groups at the identity provider: change their groups there.");
        }

        team.Managers.Remove(manager);
        await db.SaveChangesAsync(cancellationToken);
        return AdminResult.Ok;
    }

    /// <summary>Says which team owns a feature (for series without a team label); null team removes the ownership.</summary>
    public async Task<AdminResult> SetFeatureOwnerAsync(string? feature, int? teamId, CancellationToken cancellationToken = default)
    {
        var name = feature?.Trim() ?? "";
        if (name.Length == 0 || name.Length > 200 || name.Any(char.IsControl))
        {
            return AdminResult.Fail("A feature name is 1 to 200 characters, without control characters.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.FeatureOwners.SingleOrDefaultAsync(o => o.Feature == name, cancellationToken);
        if (teamId is null)
        {
            if (existing is not null) db.FeatureOwners.Remove(existing);
        }
        else
        {
            if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
            {
                return AdminResult.Fail("That team no longer exists.");
            }

            if (existing is null) db.FeatureOwners.Add(new Ledger.FeatureOwner { Feature = name, TeamId = teamId.Value });
            else existing.TeamId = teamId.Value;
        }

        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Feature {Feature} now owned by team {TeamId}", LogText.Safe(name), teamId);
        return AdminResult.Ok;
    }

    public async Task<IReadOnlyList<(string Feature, string Team)>> FeatureOwnersAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (from o in db.FeatureOwners join t in db.Teams on o.TeamId equals t.Id select new { o.Feature, t.Name }).ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.Feature, StringComparer.Ordinal).Select(r => (r.Feature, r.Name))];
    }

    /// <summary>The ids of the teams a user manages (for "managers belong to the teams they manage").</summary>
    public async Task<IReadOnlyList<int>> TeamsManagedByAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Teams.Where(t => t.Managers.Any(m => m.Id == userId)).Select(t => t.Id).ToListAsync(cancellationToken);
    }
}
