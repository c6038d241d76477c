//! What a benchmark run measured, printed as it goes and written at the end to
//! `target/bench/report.md` with SVG plots beside it.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;

use plotters::prelude::*;

/// One comparison for the throughput plot: meili-lite and a reference
/// measured in the same run (the loopback limit, or Meilisearch).
struct Bar {
    scenario: String,
    meili_lite: f64,
    reference: f64,
    reference_name: String,
}

#[derive(Default)]
struct Report {
    markdown: String,
    bars: Vec<Bar>,
    /// Latency samples in ms, by series name.
    latencies: Vec<(String, Vec<f64>)>,
}

static REPORT: Mutex<Option<Report>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Report) -> T) -> T {
    let mut guard = REPORT.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(Report::default))
}

/// Prints a line of the markdown report and keeps it.
pub fn line(text: impl Into<String>) {
    let text = text.into();
    println!("{text}");
    with(|r| {
        r.markdown.push_str(&text);
        r.markdown.push('\n');
    });
}

/// A figure to plot against its same-run reference.
pub fn compare(scenario: &str, meili_lite: f64, reference_name: &str, reference: f64) {
    with(|r| {
        r.bars.push(Bar {
            scenario: scenario.to_owned(),
            meili_lite,
            reference,
            reference_name: reference_name.to_owned(),
        })
    });
}

/// A latency distribution to plot.
pub fn latencies(series: &str, samples: &[f64]) {
    with(|r| r.latencies.push((series.to_owned(), samples.to_vec())));
}

/// Writes `report.md`, `latency.svg` and `throughput.svg` into `dir`.
pub fn write(dir: &Path, machine: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let report = REPORT.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(md, "# meili-lite benchmark report\n\n{machine}\n");
    md.push_str(&report.markdown);
    if !report.latencies.is_empty() {
        latency_plot(&dir.join("latency.svg"), &report.latencies)?;
        md.push_str("\n![webhook latency](latency.svg)\n");
    }
    if !report.bars.is_empty() {
        throughput_plot(&dir.join("throughput.svg"), &report.bars)?;
        md.push_str("\n![meili-lite against same-run references](throughput.svg)\n");
    }
    let path = dir.join("report.md");
    std::fs::write(&path, md).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("report: {}", path.display());
    Ok(())
}

/// The share of deliveries at or below each latency: one line per series.
fn latency_plot(path: &Path, series: &[(String, Vec<f64>)]) -> Result<(), String> {
    let max = series.iter().flat_map(|(_, s)| s.iter().copied()).fold(1.0_f64, f64::max);
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption("webhook latency: finishedAt → receipt", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((0.05_f64..max * 1.1).log_scale(), 0.0_f64..100.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("% of deliveries at or below")
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (name, samples)) in series.iter().enumerate() {
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        // 500 quantiles are enough for the eye and keep the SVG small.
        let n = sorted.len();
        let points: Vec<(f64, f64)> = (1..=500)
            .filter_map(|q| {
                let k = (q * n / 500).checked_sub(1)?;
                Some((sorted.get(k)?.max(0.05), q as f64 / 5.0))
            })
            .collect();
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart.configure_series_labels().background_style(WHITE).border_style(BLACK).draw().map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// meili-lite as a multiple of each scenario's same-run reference.
fn throughput_plot(path: &Path, bars: &[Bar]) -> Result<(), String> {
    let ratios: Vec<f64> = bars.iter().map(|b| b.meili_lite / b.reference.max(f64::MIN_POSITIVE)).collect();
    let top = ratios.iter().copied().fold(1.0_f64, f64::max) * 1.2;
    let root = SVGBackend::new(path, (800, 120 + 60 * bars.len() as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let labels: Vec<String> = bars.iter().map(|b| format!("{} (vs {})", b.scenario, b.reference_name)).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption("meili-lite ÷ same-run reference (1.0 = equal)", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(20)
        .build_cartesian_2d(0.0..top, 0.0..bars.len() as f64)
        .map_err(|e| e.to_string())?;
    chart.configure_mesh().disable_y_mesh().disable_y_axis().x_desc("ratio").draw().map_err(|e| e.to_string())?;
    for (i, (ratio, label)) in ratios.iter().zip(&labels).enumerate() {
        let y = i as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new([(0.0, y + 0.2), (*ratio, y + 0.8)], BLUE.mix(0.6).filled())))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{label}: {ratio:.2}×"),
                (top * 0.01, y + 0.95),
                ("sans-serif", 14),
            )))
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(1.0, 0.0), (1.0, bars.len() as f64)], RED)))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
