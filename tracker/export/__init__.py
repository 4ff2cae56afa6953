"""Graph files, the HTML report and its SVG timeline."""
