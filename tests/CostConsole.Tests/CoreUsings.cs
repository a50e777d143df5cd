// The costing core's namespaces, imported once for every test.
global using CostConsole.Core;
global using CostConsole.Core.Budgets;
global using CostConsole.Core.Digests;
global using CostConsole.Core.Ledger;
global using CostConsole.Core.Metrics;
global using CostConsole.Core.Pricing;
global using CostConsole.Core.Spend;
