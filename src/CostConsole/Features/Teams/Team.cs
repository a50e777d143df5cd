using CostConsole.Features.Identity;

namespace CostConsole.Features.Teams;

public sealed class Team
{
    public const int MaxNameLength = 80;

    public int Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedUtc { get; set; }

    public List<AppUser> Managers { get; set; } = [];
}
