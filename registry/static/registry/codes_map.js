/* The area codes of the admin's list on a map (issue 14): exactly the codes the list selects
   (its filters, issue year and search), read as GeoJSON from the admin's map/data.geojson,
   which runs the list's own query; boundaries as outlines and codes without one as dots. */
(function () {
  "use strict";
  function start() {
    const element = document.getElementById("codes-map");
    if (!element || !window.L) return;
    const config = JSON.parse(document.getElementById("codes-map-data").textContent);
    const map = L.map(element, { attributionControl: Boolean(config.tileUrl) });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    map.setView([16.0, 106.0], 6);
    fetch(config.geojsonUrl, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((collection) => {
        const layer = L.geoJSON(collection, {
          style: { color: "#0b6e4f", weight: 2 },
          pointToLayer: (feature, at) => L.circleMarker(at, { radius: 4, color: "#0b6e4f" }),
          onEachFeature: (feature, shape) => shape.bindTooltip(feature.id),
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds().pad(0.1));
        element.dataset.features = String(collection.features.length);
        element.dataset.ready = "true";
      })
      .catch((error) => {
        element.dataset.error = error.message;
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
