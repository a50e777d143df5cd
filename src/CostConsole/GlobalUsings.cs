// The costing core (src/CostConsole.Core) is used everywhere in the app: its namespaces are imported once here.
global using CostConsole.Core;
global using CostConsole.Core.Budgets;
global using CostConsole.Core.Digests;
global using CostConsole.Core.Ledger;
global using CostConsole.Core.Metrics;
global using CostConsole.Core.Pricing;
global using CostConsole.Core.Spend;
