"""The marketing area's pages, one module per part (assets, links, tracking,
attribution, fit), each thin: parse the request, call a service or selector, render."""
