"""The web console: pages and a proxy to the services' APIs; it holds no business data."""
