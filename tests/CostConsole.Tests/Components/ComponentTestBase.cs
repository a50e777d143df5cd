using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CostConsole.Tests.Components;

/// <summary>
/// Shared set-up for component tests: MudBlazor's services and a loose JS interop (MudBlazor calls JS on render).
/// MudBlazor's services dispose only asynchronously, so the context is disposed through IAsyncLifetime.
/// </summary>
public abstract class ComponentTestBase : IAsyncLifetime
{
    protected ComponentTestBase()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServices();
    }

    protected BunitContext Context { get; } = new();

    protected IServiceProvider Services => Context.Services;

    protected IRenderedComponent<T> Render<T>(Action<ComponentParameterCollectionBuilder<T>>? parameters = null) where T : IComponent =>
        parameters is null ? Context.Render<T>() : Context.Render<T>(parameters);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await Context.DisposeAsync();
}
