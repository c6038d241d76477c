//! `_geojson`: a document's shape, kept in the sort-key column when
//! `_geojson` is filterable, for `_geoPolygon`, `_geoRadius` and
//! `_geoBoundingBox`. A shape matches a filter's area when they intersect,
//! as Meilisearch matches them.
//!
//! The tests are planar in degrees (shapes are small next to the Earth), and
//! a polygon's holes are left out: Meilisearch 1.50 matches a point inside a
//! hole too (checked against the binary).

use serde_json::Value;

/// (latitude, longitude)
pub(crate) type Point = (f64, f64);

/// The sort-key column entry of a shape starts with these bytes (field id
/// 0xffff, end 3; a `_geo` point is end 2).
const MARK: [u8; 3] = [0xff, 0xff, 3];

/// Where the column's shape entries start and end.
pub(crate) const RANGE: ([u8; 3], [u8; 3]) = (MARK, [0xff, 0xff, 4]);

/// A shape reduced to what filters test.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Shape {
    pub points: Vec<Point>,
    pub lines: Vec<Vec<Point>>,
    /// Outer rings.
    pub areas: Vec<Vec<Point>>,
}

/// Reads a `_geojson` value (a geometry, a feature or a feature collection),
/// or says why it is not one (the `geojson` crate's words).
pub fn read(value: &Value) -> Result<Shape, String> {
    use geojson::GeoJson;
    let mut shape = Shape::default();
    match GeoJson::from_json_value(value.clone()).map_err(|e| e.to_string())? {
        GeoJson::Geometry(g) => shape.add(&g.value),
        GeoJson::Feature(f) => f.geometry.iter().for_each(|g| shape.add(&g.value)),
        GeoJson::FeatureCollection(c) => c.features.iter().flat_map(|f| &f.geometry).for_each(|g| shape.add(&g.value)),
    }
    Ok(shape)
}

fn point(position: &[f64]) -> Point {
    (position.get(1).copied().unwrap_or(0.0), position.first().copied().unwrap_or(0.0))
}

fn points(positions: &[Vec<f64>]) -> Vec<Point> {
    positions.iter().map(|p| point(p)).collect()
}

impl Shape {
    fn add(&mut self, value: &geojson::Value) {
        use geojson::Value as G;
        match value {
            G::Point(p) => self.points.push(point(p)),
            G::MultiPoint(ps) => self.points.extend(points(ps)),
            G::LineString(l) => self.lines.push(points(l)),
            G::MultiLineString(ls) => self.lines.extend(ls.iter().map(|l| points(l))),
            G::Polygon(rings) => self.areas.extend(rings.first().map(|r| points(r))),
            G::MultiPolygon(polygons) => {
                self.areas.extend(polygons.iter().filter_map(|p| p.first()).map(|r| points(r)))
            }
            G::GeometryCollection(all) => all.iter().for_each(|g| self.add(&g.value)),
        }
    }

    /// The column entry: the mark, then each part as a tag, a count and
    /// its points.
    pub fn entry(&self) -> Vec<u8> {
        let mut out = MARK.to_vec();
        let parts = self.points.iter().map(|p| (0u8, std::slice::from_ref(p)));
        let parts = parts.chain(self.lines.iter().map(|l| (1, l.as_slice())));
        for (tag, ps) in parts.chain(self.areas.iter().map(|a| (2, a.as_slice()))) {
            out.push(tag);
            out.extend_from_slice(&(ps.len() as u32).to_be_bytes());
            for (lat, lng) in ps {
                out.extend_from_slice(&lat.to_be_bytes());
                out.extend_from_slice(&lng.to_be_bytes());
            }
        }
        out
    }

    /// The shape of a column entry; `None` for any other entry.
    pub fn from_entry(entry: &[u8]) -> Option<Shape> {
        let mut rest = entry.strip_prefix(&MARK[..])?;
        let mut shape = Shape::default();
        let f64_at = |b: &[u8], at: usize| Some(f64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?));
        while let Some((&tag, after)) = rest.split_first() {
            let count = u32::from_be_bytes(after.get(..4)?.try_into().ok()?) as usize;
            let body = after.get(4..4 + count * 16)?;
            let ps: Vec<Point> =
                (0..count).map(|i| Some((f64_at(body, i * 16)?, f64_at(body, i * 16 + 8)?))).collect::<Option<_>>()?;
            match tag {
                0 => shape.points.extend(ps),
                1 => shape.lines.push(ps),
                _ => shape.areas.push(ps),
            }
            rest = &after[4 + count * 16..];
        }
        Some(shape)
    }

    fn vertices(&self) -> impl Iterator<Item = Point> + '_ {
        self.points.iter().chain(self.lines.iter().flatten()).chain(self.areas.iter().flatten()).copied()
    }

    /// Every edge: a line's and a ring's (closed).
    fn edges(&self) -> impl Iterator<Item = (Point, Point)> + '_ {
        let lines = self.lines.iter().flat_map(|l| l.windows(2).map(|w| (w[0], w[1])));
        lines.chain(self.areas.iter().flat_map(|r| ring_edges(r)))
    }

    /// Whether the shape and the polygon `ring` share a point.
    pub fn intersects_polygon(&self, ring: &[Point]) -> bool {
        self.vertices().any(|p| inside(p, ring))
            || self.edges().any(|(a, b)| ring_edges(ring).any(|(c, d)| cross(a, b, c, d)))
            || ring.iter().any(|&q| self.areas.iter().any(|area| inside(q, area)))
    }

    /// Whether the shape and the box share a point; a box whose `left` is
    /// east of its `right` crosses the antimeridian.
    pub fn intersects_box(&self, top: f64, right: f64, bottom: f64, left: f64) -> bool {
        let rect = |l: f64, r: f64| [(bottom, l), (bottom, r), (top, r), (top, l)];
        if left <= right {
            self.intersects_polygon(&rect(left, right))
        } else {
            self.intersects_polygon(&rect(left, 180.0)) || self.intersects_polygon(&rect(-180.0, right))
        }
    }

    /// Whether the shape comes within `radius` meters of `center`.
    pub fn within(&self, center: Point, radius: f64) -> bool {
        // Meters on a plane tangent at the center: exact enough at the
        // distances a radius filter asks for.
        let scale = (6_371_000.0f64).to_radians();
        // Longitudes differ the short way round (across the antimeridian too).
        let east = |lng: f64| (lng - center.1 + 540.0).rem_euclid(360.0) - 180.0;
        let flat = |(lat, lng): Point| (east(lng) * center.0.to_radians().cos() * scale, (lat - center.0) * scale);
        self.vertices().any(|p| crate::geo::distance(center, p) <= radius)
            || self.edges().any(|(a, b)| distance_to_segment(flat(a), flat(b)) <= radius)
            || self.areas.iter().any(|area| inside(center, area))
    }
}

fn ring_edges(ring: &[Point]) -> impl Iterator<Item = (Point, Point)> + '_ {
    (0..ring.len()).map(move |i| (ring[i], ring[(i + 1) % ring.len()]))
}

/// Ray casting, in (lng, lat) as a plane.
fn inside((lat, lng): Point, ring: &[Point]) -> bool {
    let mut odd = false;
    for ((alat, alng), (blat, blng)) in ring_edges(ring) {
        if (alat > lat) != (blat > lat) && lng < alng + (lat - alat) / (blat - alat) * (blng - alng) {
            odd = !odd;
        }
    }
    odd
}

/// Twice the signed area of (a, b, c): which side of ab c is on.
fn turn(a: Point, b: Point, c: Point) -> f64 {
    (b.1 - a.1) * (c.0 - a.0) - (b.0 - a.0) * (c.1 - a.1)
}

fn on_segment(a: Point, b: Point, p: Point) -> bool {
    p.0 >= a.0.min(b.0) && p.0 <= a.0.max(b.0) && p.1 >= a.1.min(b.1) && p.1 <= a.1.max(b.1)
}

/// Whether segments ab and cd touch.
fn cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let (d1, d2, d3, d4) = (turn(c, d, a), turn(c, d, b), turn(a, b, c), turn(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0)) && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0)) {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// The distance from the origin to segment ab, on a plane.
fn distance_to_segment(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = dx * dx + dy * dy;
    let t = if length == 0.0 { 0.0 } else { (-(a.0 * dx + a.1 * dy) / length).clamp(0.0, 1.0) };
    (a.0 + t * dx).hypot(a.1 + t * dy)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The cases checked against Meilisearch 1.50: which shapes the filters
    /// of the same points and areas matched.
    #[test]
    fn shapes_match_as_meilisearch_matched_them() {
        let shapes: Vec<(u32, Shape)> = [
            (1, json!({"type": "Point", "coordinates": [2.35, 48.85]})),
            (2, json!({"type": "Polygon", "coordinates": [[[2.0, 48.0], [3.0, 48.0], [3.0, 49.0], [2.0, 49.0], [2.0, 48.0]]]})),
            (3, json!({"type": "Point", "coordinates": [13.4, 52.5]})),
            (5, json!({"type": "LineString", "coordinates": [[2.0, 48.5], [10.0, 48.5]]})),
            (6, json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.36, 48.86]}, "properties": {}})),
            (7, json!({"type": "MultiPoint", "coordinates": [[2.36, 48.86], [100, 10]]})),
            (8, json!({"type": "Polygon", "coordinates": [[[0, 40], [20, 40], [20, 60], [0, 60], [0, 40]]]})),
            (9, json!({"type": "Polygon", "coordinates": [
                [[0, 40], [20, 40], [20, 60], [0, 60], [0, 40]],
                [[1, 47], [4, 47], [4, 50], [1, 50], [1, 47]]]})),
            (10, json!({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [2.35, 48.85]}]})),
        ]
        .into_iter()
        .map(|(id, v)| (id, Shape::from_entry(&read(&v).unwrap().entry()).unwrap()))
        .collect();
        let matching = |keep: &dyn Fn(&Shape) -> bool| -> Vec<u32> {
            shapes.iter().filter(|(_, s)| keep(s)).map(|(id, _)| *id).collect()
        };
        let paris = [(48.5, 2.2), (48.5, 2.5), (49.0, 2.5), (49.0, 2.2)];
        assert_eq!(matching(&|s| s.intersects_polygon(&paris)), [1, 2, 5, 6, 7, 8, 9, 10]);
        assert_eq!(
            matching(&|s| s.intersects_polygon(&[(10.0, 10.0), (10.0, 20.0), (20.0, 20.0), (20.0, 10.0)])),
            [0u32; 0]
        );
        assert_eq!(
            matching(&|s| s.intersects_polygon(&[(48.4, 5.0), (48.4, 6.0), (48.6, 6.0), (48.6, 5.0)])),
            [5, 8, 9]
        );
        assert_eq!(matching(&|s| s.within((48.85, 2.35), 1000.0)), [1, 2, 8, 9, 10]);
        assert_eq!(matching(&|s| s.intersects_box(49.0, 3.0, 48.0, 2.0)), [1, 2, 5, 6, 7, 8, 9, 10]);
        assert_eq!(matching(&|s| s.intersects_box(60.0, -170.0, 0.0, 90.0)), [7], "across the antimeridian");
        // A line crossing the antimeridian passes 1 km from a point at 180°.
        let line = read(&json!({"type": "LineString", "coordinates": [[179.9, 0.0], [-179.9, 0.0]]})).unwrap();
        assert!(line.within((0.009, 180.0), 1100.0) && !line.within((0.009, 180.0), 900.0));
    }

    #[test]
    fn bad_shapes_are_refused() {
        assert_eq!(
            read(&json!({"type": "Point", "coordinates": [2.35]})).unwrap_err(),
            "A position must contain two or more elements, but got `1`"
        );
        assert!(read(&json!("nope")).is_err() && read(&json!(null)).is_err());
        assert_eq!(Shape::from_entry(&crate::geo::entry(1.0, 2.0)), None, "a point entry is no shape");
    }
}
