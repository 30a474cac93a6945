"""How many SQL queries each endpoint runs, exactly (checked by tests/test_query_counts.py).

Measured on PostgreSQL, with every cache empty and inside a transaction that has written data
(so the registry's answer cache and reference tables are not used: the path a request takes
after any write). The same number must hold with 3 and with 30 rows of each kind: a list, a
CSV download, a bulk check or an admin page whose count grows with the rows fails.

COPY statements (CSV downloads on PostgreSQL) are counted too. XLSX downloads are written by
Python on both databases: the same count on each (the markets, the rows, and per chunk of 2,000
rows one query for the codes' statuses or the cooperatives' trademarks). When a change to the code moves
a count on purpose, change the number here in the same commit and say why.
"""

QUERY_COUNTS = {
    # --- API: growing-area codes (lists and detail +1 since issue 12: the growers' count and
    # total plot area, one grouped query for the page)
    "api area-codes list": 10,
    "api area-codes list valid_on": 11,
    "api area-codes list status": 11,
    "api area-codes detail": 4,
    "api area-codes csv": 2,
    "api area-codes xlsx": 3,
    "api area-codes check": 3,
    "api area-codes status-changes GET": 2,
    # status changes: +3 since issue 13 (the change feed: the codes' keys, the events' insert,
    # the webhooks' fan-out job; no job on SQLite, which has no queue)
    "api area-codes status-changes POST": 15,
    "api area-codes history": 2,
    # --- API: packing houses
    "api packing-houses list": 6,
    "api packing-houses detail": 2,
    "api packing-houses csv": 2,
    "api packing-houses xlsx": 3,
    "api packing-houses status-changes GET": 2,
    "api packing-houses status-changes POST": 15,
    "api packing-houses history": 2,
    # --- API: cooperatives and certificates
    "api cooperatives list": 4,
    "api cooperatives detail": 2,
    "api cooperatives csv": 1,
    "api cooperatives xlsx": 2,
    "api cooperatives history": 3,
    "api vietgap-certificates list": 3,
    "api vietgap-certificates detail": 1,
    "api vietgap-certificates csv": 1,
    "api vietgap-certificates xlsx": 1,
    "api vietgap-certificates history": 2,
    # --- API: inspections (issue 12). The area-code lists and detail above each run one query
    # more since issue 12: the codes' inspections (supervision state, latest inspections).
    "api area-codes list supervision": 10,
    "api inspections list": 6,
    "api inspections list signed in": 6,
    "api inspections detail": 4,
    "api inspections csv": 1,
    "api inspections history": 7,
    # --- API: keyset pages (?cursor=): the offset list's queries without its count, the
    # same on the first page and any later one. Lists answered by a serializer also skip the
    # data version's read (only the count was cached under it); the filtered one reads the
    # market and the crop as the offset list does.
    "api area-codes list cursor": 9,
    "api area-codes list cursor next": 9,
    "api area-codes list cursor filtered next": 11,
    "api packing-houses list cursor next": 5,
    "api cooperatives list cursor next": 2,
    "api vietgap-certificates list cursor next": 1,
    "api inspections list cursor next": 4,
    "api markets list cursor": 1,
    # --- API: seasons (issue 12): the seasons, their declarations with markets, their
    # clearances; the capacity state is a CASE in the list's query, not a query per season.
    # The market filter reads its market (no reference table inside a writing transaction).
    "api seasons list": 5,
    "api seasons list signed in": 5,
    "api seasons list capacity": 6,
    "api seasons detail": 3,
    "api seasons csv": 1,
    "api seasons xlsx": 2,
    "api seasons history": 4,
    # --- API: packing houses tied to growing-area codes (issue 12). The bulk check with a
    # packing house: the house (with its status), then the links to the codes found.
    "api area-codes check packing_house": 5,
    "api packing-houses sources": 5,
    "api area-codes packing-houses": 3,
    "api packing-house-sources list": 3,
    "api packing-house-sources list valid_on": 4,
    "api packing-house-sources detail": 1,
    "api packing-house-sources csv": 1,
    "api packing-house-sources xlsx": 1,
    "api packing-house-sources history": 2,
    # --- API: growers (issue 12), signed in. The list's page also reads the page's codes and
    # their growers' totals for its warnings.
    "api growers list": 5,
    "api growers detail": 1,
    "api growers csv": 1,
    "api growers history": 2,
    # --- API: the change feed (issue 13): the page; filtered, the keys' look-ups too
    "api changes list": 1,
    "api changes list filtered": 4,
    # --- API: reference tables
    "api markets list": 3,
    "api markets detail": 1,
    "api crops list": 3,
    "api crops detail": 1,
    "api provinces list": 3,
    "api provinces detail": 1,
    "api communes list": 3,
    "api communes detail": 1,
    # --- Admin, signed in as a superuser
    # The code lists ask the planner's estimate first when the exact count is not cached
    # (one EXPLAIN; past ADMIN_EXACT_COUNT_LIMIT it replaces the count).
    "admin areacode changelist": 13,
    # Code change pages +1 since issue 12: the code's packing-house links (their records
    # joined and shown from the row: KnownSelectionAutocomplete), whatever their number; the
    # area code's +1 more: its growers (inline); +1 its seasons; +2 its overlaps and its neighbours for the map (issue 14).
    "admin areacode change": 21,
    "admin packinghouse changelist": 12,
    "admin packinghouse change": 12,
    "admin cooperative changelist": 11,
    "admin cooperative change": 12,
    "admin vietgapcertificate changelist": 12,
    "admin vietgapcertificate change": 8,
    "admin market changelist": 6,
    "admin market change": 4,
    "admin crop changelist": 6,
    "admin crop change": 4,
    "admin certificationbody changelist": 6,
    "admin certificationbody change": 4,
    "admin trademarkright changelist": 9,
    "admin trademarkright change": 5,
    "admin inspection changelist": 9,
    "admin inspection change": 16,
    "admin season changelist": 9,
    "admin season change": 17,
    # Issue 12, seasons: the code's page lists its seasons (+1); the index counts the seasons
    # per capacity state (+1).
    "admin packinghousesource changelist": 7,
    "admin packinghousesource change": 10,
    "admin grower changelist": 6,
    "admin grower change": 5,
    # --- Boundaries (issue 14). The admin index counts boundaries, area mismatches and
    # overlaps (+2; the seasons' capacity states +1); an area code's change page lists the
    # code's overlaps (+1) and reads its neighbours' boundaries for the map (+1). The GeoJSON
    # and bbox lists read the growers' totals as the JSON lists do (+1).
    "admin index": 11,
    "api area-codes overlaps": 2,
    # the body, streamed after the view returns, reads the data version once more
    "api area-codes geojson": 9,
    "api area-codes detail geojson": 4,
    "api area-codes list bbox": 10,
    "admin boundaryoverlap changelist": 5,
    "admin boundaryoverlap change": 6,
}

#: Where SQLite runs another number of queries than PostgreSQL. API and admin lists read no
#: data version there (one query fewer); CSV downloads are written by Python from ordinary
#: queries instead of one COPY.
SQLITE_QUERY_COUNTS = {
    "api changes list filtered": 3,
    "api area-codes status-changes POST": 14,
    "api packing-houses status-changes POST": 14,
    "api area-codes list": 9,
    "api area-codes list valid_on": 10,
    "api area-codes list status": 10,
    "api area-codes list supervision": 9,
    "api inspections list": 5,
    "api inspections list signed in": 5,
    "api area-codes csv": 3,
    "api area-codes geojson": 8,
    "api area-codes detail geojson": 4,
    "api area-codes list bbox": 9,
    "api packing-houses list": 5,
    "api packing-houses csv": 3,
    "api cooperatives list": 3,
    "api cooperatives csv": 2,
    "api inspections csv": 2,
    "api seasons list": 4,
    "api seasons list signed in": 4,
    "api seasons list capacity": 5,
    "api seasons csv": 2,
    "api vietgap-certificates list": 2,
    "api markets list": 2,
    "api area-codes list cursor": 8,
    "api area-codes list cursor next": 8,
    "api area-codes list cursor filtered next": 10,
    "api packing-houses list cursor next": 4,
    "api crops list": 2,
    "api provinces list": 2,
    "api communes list": 2,
    # Admin lists: no data version to read here, so one query fewer than on PostgreSQL. Code
    # lists skip the whole-table count on both (on PostgreSQL that cancels the version read);
    # their issue-year filter reads the version once more on PostgreSQL (its years are cached
    # under it), and asks the planner's estimate (one EXPLAIN), which SQLite does not.
    "admin areacode changelist": 10,
    "admin packinghouse changelist": 9,
    "admin cooperative changelist": 10,
    "admin vietgapcertificate changelist": 11,
    "admin market changelist": 5,
    "admin crop changelist": 5,
    "admin certificationbody changelist": 5,
    "admin trademarkright changelist": 8,
    "admin packinghousesource changelist": 6,
    "admin grower changelist": 5,
    "api growers list": 4,
    "api packing-houses sources": 4,
    "api area-codes packing-houses": 2,
    "api packing-house-sources list": 2,
    "api packing-house-sources list valid_on": 3,
    "admin inspection changelist": 8,
    "admin season changelist": 8,
}

#: Importing N new area codes (each registered for one market) through the admin's import
#: pages, in the request: (base, per row), i.e. base + per_row * N queries. The import works in
#: batches of IMPORT_BATCH_SIZE rows (registry.import_engine): records looked up, rows written
#: and status changes recorded a batch at a time, so no count grows with N within a batch.
#: The upload counts the job's creation and the preview; the confirmation the job's claim, the
#: validation again, the bulk writes (rows, history, status changes) and the job's outcome.
#: Inspections: N new rows, each for two markets (their link rows and the history's snapshot of
#: them written a batch at a time too).
IMPORT_QUERY_COUNTS = {
    "import area codes preview": (14, 0),
    # confirm: +6 since issue 13 (change feed: keys, insert and fan-out job for the new codes'
    # events and for the status changes' events), +4 for inspections (both kinds of subject,
    # insert, job)
    "import area codes confirm": (36, 0),
    "import inspections preview": (12, 0),
    "import inspections confirm": (29, 0),
    # Seasons: the preview is constant; each new season's declarations are written one by one
    # with their history (read the season's declarations, then per market an insert and its
    # history row: 5 queries for two markets). Seasons have a handful of markets each.
    "import seasons preview": (12, 0),
    "import seasons confirm": (21, 5),
    # Packing-house links: N new links of one pair and market (overlaps checked a batch at a
    # time: one query for the registry's windows of the batch's pairs).
    "import packing-house sources preview": (15, 0),
    "import packing-house sources confirm": (24, 0),
}
SQLITE_IMPORT_QUERY_COUNTS = {
    # no fan-out jobs on SQLite (no queue)
    "import area codes confirm": (34, 0),
    "import inspections confirm": (28, 0),
}
