//! `mesh`: a triangle mesh of 100k triangles, nothing but `f32`s (an STL file in memory).

use super::Dataset;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// One facet: a unit normal and three corners, as in STL.
#[derive(
    Serialize,
    Deserialize,
    bitcode::Encode,
    bitcode::Decode,
    evowire_derive::Encode,
    evowire_derive::Decode,
    Clone,
    Copy,
    Debug,
    PartialEq,
)]
pub struct Triangle {
    /// Unit normal.
    pub normal: [f32; 3],
    /// Corners, counter-clockwise.
    pub vertices: [[f32; 3]; 3],
}

/// The `mesh` data set: a bumpy height field over a grid, two triangles per cell.
pub struct Mesh;

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn facet(v: [[f32; 3]; 3]) -> Triangle {
    let n = cross(sub(v[1], v[0]), sub(v[2], v[0]));
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2])
        .sqrt()
        .max(f32::MIN_POSITIVE);
    Triangle {
        normal: [n[0] / len, n[1] / len, n[2] / len],
        vertices: v,
    }
}

impl Dataset for Mesh {
    super::derived!();

    const NAME: &'static str = "mesh";
    const FULL_LEN: usize = 100_000;
    const HAS_BORROWED: bool = false;
    type Value = Vec<Triangle>;
    type Borrowed<'a> = Vec<Triangle>;
    type Proto = pb::Mesh;

    /// `len` triangles (rounded up to an even count).
    fn generate(len: usize) -> Vec<Triangle> {
        let mut rng = Rng::new(0x0DE5_0003);
        let cells = len.div_ceil(2);
        let side = (cells as f64).sqrt().ceil() as usize;
        // Heights on a (side+1)^2 grid: smooth waves plus noise, so the floats have full
        // mantissas as real scanned or modelled geometry does.
        let heights: Vec<f32> = (0..(side + 1) * (side + 1))
            .map(|i| {
                let (x, y) = ((i % (side + 1)) as f64, (i / (side + 1)) as f64);
                ((x * 0.05).sin() * 3.0 + (y * 0.031).cos() * 2.0 + rng.float(-0.05, 0.05)) as f32
            })
            .collect();
        let scale = 0.25f32;
        let corner = |x: usize, y: usize| -> [f32; 3] {
            [
                x as f32 * scale,
                y as f32 * scale,
                heights[y * (side + 1) + x],
            ]
        };
        let mut out = Vec::with_capacity(cells * 2);
        for cell in 0..cells {
            let (x, y) = (cell % side, cell / side);
            let (a, b, c, d) = (
                corner(x, y),
                corner(x + 1, y),
                corner(x + 1, y + 1),
                corner(x, y + 1),
            );
            out.push(facet([a, b, c]));
            out.push(facet([a, c, d]));
        }
        out
    }

    fn to_proto(value: &Vec<Triangle>) -> pb::Mesh {
        pb::Mesh {
            triangles: value
                .iter()
                .map(|t| pb::Triangle {
                    normal: t.normal.to_vec(),
                    vertices: t.vertices.iter().flatten().copied().collect(),
                })
                .collect(),
        }
    }
}

/// Hand-written prost messages mirroring the data set. Proto has no fixed-size arrays, so
/// each array becomes a packed `repeated float` (the nested `[[f32; 3]; 3]` flattened to 9).
pub mod pb {
    /// `message Triangle { repeated float normal = 1; repeated float vertices = 2; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Triangle {
        /// `repeated float normal = 1` (packed, 3 values)
        #[prost(float, repeated, tag = "1")]
        pub normal: Vec<f32>,
        /// `repeated float vertices = 2` (packed, 9 values)
        #[prost(float, repeated, tag = "2")]
        pub vertices: Vec<f32>,
    }

    /// `message Mesh { repeated Triangle triangles = 1; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Mesh {
        /// `repeated Triangle triangles = 1`
        #[prost(message, repeated, tag = "1")]
        pub triangles: Vec<Triangle>,
    }
}
