"""The application: use cases, ports, and the wiring around the domain."""
