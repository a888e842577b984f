"""Dashboard figures: each builder takes the user and the URL's filters, runs a fixed number of aggregated,
entity-scoped queries and returns a WidgetResult (Plotly JSON, headline tiles, a small table)."""
