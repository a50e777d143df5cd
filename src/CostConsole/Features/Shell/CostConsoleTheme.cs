using MudBlazor;

namespace CostConsole.Features.Shell;

public static class CostConsoleTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5fbf",
            Secondary = "#2e7d6b",
            AppbarBackground = "#17324d",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7fb0ff",
            Secondary = "#6fd3b8",
        },
    };
}
