namespace CostConsole.Features.Shell;

/// <summary>Per-circuit UI state (dark mode), with a change notification for components that show it.</summary>
public sealed class UiPreferences
{
    public bool DarkMode { get; private set; }

    public bool ChosenByUser { get; private set; }

    public event Action? Changed;

    public void ToggleDarkMode()
    {
        DarkMode = !DarkMode;
        ChosenByUser = true;
        Changed?.Invoke();
    }

    public void FollowSystem(bool systemDarkMode)
    {
        if (ChosenByUser || DarkMode == systemDarkMode)
        {
            return;
        }

        DarkMode = systemDarkMode;
        Changed?.Invoke();
    }
}
