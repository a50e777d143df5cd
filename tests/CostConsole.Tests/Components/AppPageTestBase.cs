using Bunit.TestDoubles;
using CostConsole.Tests.Shared;

namespace CostConsole.Tests.Components;

/// <summary>
/// A whole page over the app's own services and a SQLite file of the test's own (see <see cref="PageServices"/>),
/// with a signed-in user the test chooses; the file goes with the test.
/// </summary>
public abstract class AppPageTestBase : ComponentTestBase
{
    private readonly DirectoryInfo _folder;

    protected AppPageTestBase(DateTimeOffset now)
    {
        _folder = Context.AddCostConsoleForPages(new SettableTimeProvider(now));
        User = Context.AddAuthorization();
    }

    protected BunitAuthorizationContext User { get; }

    /// <summary>Takes the database away from under the page (a volume unmounted, a file removed).</summary>
    protected void RemoveDatabase()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_folder.Exists) _folder.Delete(recursive: true);
    }
}
