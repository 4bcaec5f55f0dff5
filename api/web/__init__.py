"""The buyer-facing web: the label resolver page, lot pages and the index, server-rendered.

Plain HTML that works without JavaScript on any phone, in Spanish and English, with a JSON
twin for apps. Routes live in ``api.web.routes.resolver`` and ``api.web.routes.pages``; this package
holds what they share: the message catalog, negotiation, templates, the per-tree-size cache,
the page data and scan counting.
"""
