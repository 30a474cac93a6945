/* The boundary map of an area code's admin page (issue 14): the code's boundary and its
   neighbours' outlines over the tiles of MAP_TILE_URL (none by default: a plain background and a
   scale bar), drawn with Leaflet served by the app. For those who may change the code, the
   boundary can be drawn, edited or deleted; the result is written into the boundary field as
   GeoJSON (saved, and checked, with the form). */
(function () {
  "use strict";
  function start() {
    const element = document.getElementById("boundary-map");
    if (!element || !window.L) return;
    const config = JSON.parse(document.getElementById("boundary-map-data").textContent);
    const map = L.map(element, { attributionControl: Boolean(config.tileUrl) });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    const neighbours = L.geoJSON(config.neighbours, {
      style: { color: "#777", weight: 1, fillOpacity: 0.1, dashArray: "4" },
      onEachFeature: (feature, layer) => layer.bindTooltip(feature.id),
    }).addTo(map);
    const own = new L.FeatureGroup().addTo(map);
    if (config.boundary) {
      L.geoJSON(config.boundary, { style: { color: "#0b6e4f", weight: 2 } }).eachLayer((layer) => {
        if (layer.getLayers) layer.getLayers().forEach((part) => own.addLayer(part));
        else own.addLayer(layer);
      });
    }
    const shown = own.getLayers().length ? own.getBounds() : neighbours.getBounds();
    if (shown.isValid()) map.fitBounds(shown.pad(0.3));
    else map.setView(config.center || [21.06, 103.9], config.center ? 15 : 7);
    element.dataset.ready = "true";
    if (!config.editable || !L.Control.Draw) return;
    const field = document.getElementById("id_boundary");
    map.addControl(
      new L.Control.Draw({
        edit: { featureGroup: own },
        draw: { polygon: true, polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false },
      })
    );
    function write() {
      const polygons = own.getLayers().map((layer) => layer.toGeoJSON().geometry.coordinates);
      let geometry = null;
      if (polygons.length === 1) geometry = { type: "Polygon", coordinates: polygons[0] };
      if (polygons.length > 1) geometry = { type: "MultiPolygon", coordinates: polygons };
      if (field) field.value = geometry ? JSON.stringify(geometry) : "null";
    }
    map.on(L.Draw.Event.CREATED, (event) => { own.addLayer(event.layer); write(); });
    map.on(L.Draw.Event.EDITED, write);
    map.on(L.Draw.Event.DELETED, write);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
