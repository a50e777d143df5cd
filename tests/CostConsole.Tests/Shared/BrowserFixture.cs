using Microsoft.Playwright;

namespace CostConsole.Tests.Shared;

/// <summary>
/// Debian's Chromium driven by Playwright: never a downloaded browser. Started headless with the flags this
/// machine needs (no sandbox as root, no background networking on a closed network) and an empty profile.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private DirectoryInfo? _profile;
    private IPlaywright? _playwright;

    public IBrowserContext Browser { get; private set; } = null!;

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("CHROMIUM_BIN") is { Length: > 0 } path ? path
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new FileNotFoundException("Chromium was not found at /usr/bin/chromium. Install it with: sudo apt-get install chromium (the test command does this when it is missing).");

    /// <summary>Where screenshots go: artifacts/screenshots at the top of the repository (never committed).</summary>
    public static string ScreenshotFolder
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "CostConsole.sln")))
            {
                folder = folder.Parent;
            }

            var path = Path.Combine(folder?.FullName ?? Path.GetTempPath(), "artifacts", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    public async Task InitializeAsync()
    {
        _profile = Directory.CreateTempSubdirectory("costconsole-chromium-");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchPersistentContextAsync(_profile.FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        try
        {
            _profile?.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
