//! `_geo`: a document's point, kept in the sort-key column, for
//! `_geoRadius`, `_geoBoundingBox` and `_geoPoint(lat, lng)` sorting, with
//! distances as Meilisearch measures them (haversine, Earth 6,371 km).

use serde_json::{Map, Value};

use crate::filter::{FilterError, Value as FilterValue};

/// The attribute Meilisearch reads points from.
pub const GEO: &str = "_geo";

/// The attribute Meilisearch reads shapes from.
pub const GEOJSON: &str = "_geojson";

/// The field id a point is kept under in the sort-key column.
pub(crate) const FIELD: u32 = 0xffff;

/// The sort-key column entry holding a point (field id 0xffff, end 2).
const MARK: [u8; 3] = [0xff, 0xff, 2];

/// Where the column's point entries start and end.
pub(crate) const RANGE: ([u8; 3], [u8; 3]) = (MARK, [0xff, 0xff, 3]);

pub(crate) fn entry(lat: f64, lng: f64) -> Vec<u8> {
    [&MARK[..], &lat.to_be_bytes(), &lng.to_be_bytes()].concat()
}

/// The point of a column entry; `None` for any other entry.
pub(crate) fn find(e: &[u8]) -> Option<(f64, f64)> {
    if !(e.starts_with(&MARK) && e.len() == 19) {
        return None;
    }
    let lat = f64::from_be_bytes(e[3..11].try_into().ok()?);
    let lng = f64::from_be_bytes(e[11..19].try_into().ok()?);
    Some((lat, lng))
}

/// A document's `_geo` point: `lat` and `lng`, numbers or numeric strings.
pub fn point(document: &Map<String, Value>) -> Option<(f64, f64)> {
    let geo = document.get(GEO)?.as_object()?;
    let read = |key: &str| match geo.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    Some((read("lat")?, read("lng")?))
}

/// Meters between two points.
pub fn distance((lat1, lng1): (f64, f64), (lat2, lng2): (f64, f64)) -> f64 {
    let (la1, la2) = (lat1.to_radians(), lat2.to_radians());
    let (dla, dlo) = ((lat2 - lat1).to_radians(), (lng2 - lng1).to_radians());
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// A latitude, or Meilisearch's error for it.
pub fn latitude(v: &FilterValue) -> Result<f64, FilterError> {
    let lat = v.parse_finite_float()?;
    if (-90.0..=90.0).contains(&lat) {
        Ok(lat)
    } else {
        Err(FilterError::at(
            &v.span,
            format!("Bad latitude `{}`. Latitude must be contained between -90 and 90 degrees.", v.raw),
        ))
    }
}

/// A longitude, or Meilisearch's error for it (with the equivalent it hints).
pub fn longitude(v: &FilterValue) -> Result<f64, FilterError> {
    let lng = v.parse_finite_float()?;
    if (-180.0..=180.0).contains(&lng) {
        return Ok(lng);
    }
    let hint = (lng + 180.0).rem_euclid(360.0) - 180.0;
    Err(FilterError::at(
        &v.span,
        format!(
            "Bad longitude `{}`. Longitude must be contained between -180 and 180 degrees. Hint: try using `{}` instead.",
            v.raw,
            Value::from(hint).to_string().trim_end_matches(".0")
        ),
    ))
}

/// `_geoPoint(lat, lng)` of a sort, if that is what `field` is.
pub fn sort_point(field: &str) -> Option<(f64, f64)> {
    let inner = field.strip_prefix("_geoPoint(")?.strip_suffix(')')?;
    let (lat, lng) = inner.split_once(',')?;
    Some((lat.trim().parse().ok()?, lng.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_as_meilisearch_gives_them() {
        let eiffel = (48.8561446, 2.2978204);
        assert!((distance(eiffel, (48.8826517, 2.3352748)) - 4023.953).abs() < 0.001);
        assert!((distance(eiffel, (45.4777599, 9.1967508)) - 642335.503).abs() < 0.001);
        assert_eq!(find(&entry(1.5, -2.25)), Some((1.5, -2.25)));
        assert_eq!(sort_point("_geoPoint(48.8561446, 2.2978204)"), Some(eiffel));
    }
}
