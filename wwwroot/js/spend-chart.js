// The one place CostConsole talks to ApexCharts: create, update and destroy a chart for a Blazor component.
const charts = new Map();
let library;

// The library is fetched the first time a chart is drawn, so pages without charts never load it.
function apexCharts() {
    if (window.ApexCharts) return Promise.resolve(window.ApexCharts);
    library ??= new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = new URL('../lib/apexcharts/apexcharts.min.js', import.meta.url).href;
        script.onload = () => resolve(window.ApexCharts);
        script.onerror = () => { library = undefined; reject(new Error('apexcharts could not be loaded')); };
        document.head.appendChild(script);
    });
    return library;
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usdShort = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

function money(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return '';
    return Math.abs(value) >= 10000 ? usdShort.format(value) : usd.format(value);
}

// Series names and categories are label values: anyone who can emit a metric chooses them. ApexCharts 4.7 writes
// legend and tooltip text with innerHTML, so every formatter that feeds those returns the text HTML-escaped. (Axis
// labels are SVG text nodes, written as text: escaping them would show the entities.)
function escapeHtml(value) {
    return String(value ?? '').replace(/[&<>"'`]/g, c => `&#${c.charCodeAt(0)};`);
}

function options(config, dotNet) {
    const bar = config.kind === 'bar';
    const line = config.kind === 'line';
    const negative = config.series.some(s => s.costs.some(c => c !== null && c < 0));
    return {
        chart: {
            type: bar ? 'bar' : line ? 'line' : 'area',
            stacked: config.stacked,
            height: config.height,
            background: 'transparent',
            fontFamily: 'inherit',
            toolbar: { show: false },
            animations: { enabled: false },
            zoom: { enabled: false },
            events: {
                dataPointSelection: (event, context, point) => {
                    if (dotNet) dotNet.invokeMethodAsync('PointSelected', point.seriesIndex, point.dataPointIndex);
                },
            },
        },
        theme: { mode: config.dark ? 'dark' : 'light' },
        colors: config.colors,
        series: config.series.map(s => ({ name: s.name, data: s.costs })),
        xaxis: {
            categories: config.categories,
            title: { text: config.xTitle },
            labels: { rotate: -40, hideOverlappingLabels: true, trim: true, maxHeight: 90 },
            // The crosshair's category box is written with innerHTML; the tooltip's own title (escaped below) says the same.
            tooltip: { enabled: false },
        },
        yaxis: { title: { text: config.yTitle }, labels: { formatter: money }, min: negative ? undefined : 0, forceNiceScale: true },
        dataLabels: { enabled: false },
        stroke: { width: bar ? 0 : 2, curve: 'straight', dashArray: config.series.map(s => s.dashed ? 6 : 0) },
        fill: { opacity: bar || line ? 1 : 0.35 },
        legend: { position: 'bottom', showForSingleSeries: false, formatter: name => escapeHtml(name) },
        grid: { strokeDashArray: 3 },
        states: { active: { filter: { type: 'none' } } },
        plotOptions: { bar: { columnWidth: config.categories.length <= 3 ? '30%' : '70%' } },
        tooltip: {
            theme: config.dark ? 'dark' : 'light',
            shared: !bar,
            intersect: bar,
            x: { formatter: (value, info) => escapeHtml(info && config.categories[info.dataPointIndex] !== undefined ? config.categories[info.dataPointIndex] : value) },
            y: {
                title: { formatter: name => (name ? `${escapeHtml(name)}: ` : '') },
                formatter: (value, info) => {
                    const tokens = info && config.series[info.seriesIndex] ? config.series[info.seriesIndex].tokens[info.dataPointIndex] : null;
                    return tokens === null || tokens === undefined ? money(value) : `${money(value)} · ${compact.format(tokens)} tokens`;
                },
            },
        },
        noData: { text: config.emptyText },
    };
}

export async function create(id, element, config, dotNet) {
    const ApexCharts = await apexCharts();
    destroy(id);
    const chart = new ApexCharts(element, options(config, dotNet));
    charts.set(id, { chart, dotNet });
    return chart.render();
}

export function update(id, config) {
    const entry = charts.get(id);
    if (!entry) return Promise.resolve();
    return entry.chart.updateOptions(options(config, entry.dotNet), true, false, false);
}

export function destroy(id) {
    const entry = charts.get(id);
    if (!entry) return;
    charts.delete(id);
    entry.chart.destroy();
}

// For the end-to-end tests: how many charts are alive on the page.
export function count() {
    return charts.size;
}
