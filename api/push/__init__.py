"""Push URLs: a secret URL per key result, for tools that can only call a URL (issue 17)."""
