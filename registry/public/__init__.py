"""The public verification pages (issue 15): search, one page per code, QR codes, labels,
statistics. Server-rendered, in Vietnamese, English and Chinese, with no external resources."""
