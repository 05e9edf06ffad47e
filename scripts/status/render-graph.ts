import { Resvg } from "@resvg/resvg-js";
import { instance } from "@viz-js/viz";

/**
 * DOT to SVG with Graphviz's dot layout (compiled to WebAssembly: no system package), and the SVG to PNG
 * with resvg at twice the size, text in the system's monospaced font (DejaVu Sans Mono on Debian).
 */
export async function renderGraph(dot: string): Promise<{ svg: string; png: Buffer }> {
  const viz = await instance();
  const svg = viz.renderString(dot, { format: "svg", engine: "dot" });
  const png = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans Mono", monospaceFamily: "DejaVu Sans Mono" },
  })
    .render()
    .asPng();
  return { svg, png };
}
