using System.Text.RegularExpressions;

namespace CostConsole.Features.Identity.Oidc;

/// <summary>What a user's provider groups grant: one role (or none), the teams they manage, and what was not understood.</summary>
public sealed record ProviderGrant(string? Role, IReadOnlyList<string> Teams, IReadOnlyList<string> UnknownTeams, IReadOnlyList<string> RoleGroups);

/// <summary>Maps the provider's group claim values to CostConsole's role and managed teams (pure: no database).</summary>
public static class ProviderRoles
{
    /// <summary>
    /// A user has one role: when groups map to several, the first of this order wins. Admin sees everything; an
    /// Engineer edits prices and reads reconciliation; Finance reads budgets and the bill; Manager is for budgets of
    /// their teams only.
    /// </summary>
    public static IReadOnlyList<string> Precedence { get; } = [Roles.Admin, Roles.Engineer, Roles.Finance, Roles.Manager];

    /// <param name="groups">The values of the groups claim, as the provider sent them (hostile text: compared, never interpreted).</param>
    /// <param name="teams">The names of CostConsole's teams.</param>
    public static ProviderGrant Map(OidcOptions options, IEnumerable<string> groups, IReadOnlyCollection<string> teams)
    {
        var distinct = groups.Where(g => !string.IsNullOrEmpty(g)).Distinct(StringComparer.Ordinal).ToList();
        var roleGroups = distinct.Where(g => options.RoleClaims.ContainsKey(g)).ToList();
        var roles = roleGroups.Select(g => Roles.Normalize(options.RoleClaims[g])).OfType<string>().ToHashSet();

        List<string> managed = [];
        List<string> unknown = [];
        if (options.TeamPattern() is { } pattern)
        {
            foreach (var group in distinct)
            {
                Match? match;
                try
                {
                    match = pattern.Match(group);
                }
                catch (RegexMatchTimeoutException)
                {
                    continue;
                }

                if (!match.Success) continue;
                var name = match.Groups["team"].Value;
                var team = teams.FirstOrDefault(t => string.Equals(t, name, StringComparison.OrdinalIgnoreCase));
                (team is null ? unknown : managed).Add(team ?? name);
            }
        }

        // Managing a team through the provider makes a Manager of someone the role groups do not otherwise cover.
        if (managed.Count > 0)
        {
            roles.Add(Roles.Manager);
        }

        var role = Precedence.FirstOrDefault(roles.Contains);
        return new ProviderGrant(
            role,
            role == Roles.Manager ? [.. managed.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)] : [],
            [.. unknown.Distinct(StringComparer.Ordinal)],
            roleGroups);
    }
}
