using CostConsole.Data;
using CostConsole.Features.Identity;
using Microsoft.EntityFrameworkCore;

namespace CostConsole.Features.Teams;

public sealed record TeamSummary(int Id, string Name, IReadOnlyList<string> ManagerEmails);

/// <summary>Teams and who manages them. Names are unique (case-insensitive) and plain text.</summary>
public sealed class TeamAdministration(IDbContextFactory<CostConsoleDbContext> dbFactory, TimeProvider time, ILogger<TeamAdministration> logger)
{
    public async Task<IReadOnlyList<TeamSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Managers).ToListAsync(cancellationToken);
        return [.. teams
            .OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .Select(t => new TeamSummary(t.Id, t.Name, [.. t.Managers.Select(m => m.Email ?? "").Order(StringComparer.OrdinalIgnoreCase)]))];
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

        team.Managers.Remove(manager);
        await db.SaveChangesAsync(cancellationToken);
        return AdminResult.Ok;
    }

    /// <summary>The ids of the teams a user manages (for "managers belong to the teams they manage").</summary>
    public async Task<IReadOnlyList<int>> TeamsManagedByAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Teams.Where(t => t.Managers.Any(m => m.Id == userId)).Select(t => t.Id).ToListAsync(cancellationToken);
    }
}
