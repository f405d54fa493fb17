"""The alignment reads (对齐) over HTTP and GraphQL: the tree of a cycle, the path up, unit and
company scores, coverage and cycle stats, each with ``as_of`` where it makes sense."""
