//! `entities`: 50k game entities, small structs of named `f32` fields and small integers (a
//! world snapshot a game server sends, or a batch of sensor readings).

use super::Dataset;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// A 3-vector with named fields (not an array), as game and geometry code writes them.
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
pub struct Vec3 {
    /// X.
    pub x: f32,
    /// Y.
    pub y: f32,
    /// Z (up).
    pub z: f32,
}

/// One entity of a world snapshot.
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
pub struct Entity {
    /// Entity id, sequential from 1 with gaps.
    pub id: u32,
    /// Entity class, 0-23.
    pub kind: u8,
    /// World position, within ±2,000 units, full mantissas.
    pub position: Vec3,
    /// Velocity in units per second; zero for the ~40% of entities that stand still.
    pub velocity: Vec3,
    /// Heading in radians.
    pub yaw: f32,
    /// Hit points, 0-1000.
    pub health: u16,
    /// State bits (visible, grounded, ...).
    pub flags: u8,
}

/// The `entities` data set.
pub struct Entities;

impl Dataset for Entities {
    super::derived!();

    const NAME: &'static str = "entities";
    const FULL_LEN: usize = 50_000;
    const HAS_BORROWED: bool = false;
    type Value = Vec<Entity>;
    type Borrowed<'a> = Vec<Entity>;
    type Proto = pb::Entities;

    fn generate(len: usize) -> Vec<Entity> {
        let mut rng = Rng::new(0x0DE5_0005);
        let mut id = 0u32;
        let coord = |rng: &mut Rng, half: f64| rng.float(-half, half) as f32;
        (0..len)
            .map(|_| {
                id += rng.range(1, 4) as u32;
                let position = Vec3 {
                    x: coord(&mut rng, 2_000.0),
                    y: coord(&mut rng, 2_000.0),
                    z: coord(&mut rng, 50.0),
                };
                let velocity = if rng.chance(0.4) {
                    Vec3 {
                        x: 0.0,
                        y: 0.0,
                        z: 0.0,
                    }
                } else {
                    Vec3 {
                        x: coord(&mut rng, 12.0),
                        y: coord(&mut rng, 12.0),
                        z: coord(&mut rng, 3.0),
                    }
                };
                Entity {
                    id,
                    kind: rng.range(0, 24) as u8,
                    position,
                    velocity,
                    yaw: rng.float(-core::f64::consts::PI, core::f64::consts::PI) as f32,
                    health: rng.range(0, 1001) as u16,
                    flags: rng.range(0, 256) as u8,
                }
            })
            .collect()
    }

    fn to_proto(value: &Vec<Entity>) -> pb::Entities {
        let vec3 = |v: &Vec3| pb::Vec3 {
            x: v.x,
            y: v.y,
            z: v.z,
        };
        pb::Entities {
            entities: value
                .iter()
                .map(|e| pb::Entity {
                    id: e.id,
                    kind: u32::from(e.kind),
                    position: Some(vec3(&e.position)),
                    velocity: Some(vec3(&e.velocity)),
                    yaw: e.yaw,
                    health: u32::from(e.health),
                    flags: u32::from(e.flags),
                })
                .collect(),
        }
    }
}

/// Hand-written prost messages mirroring the data set (proto3, field by field; 8/16-bit
/// integers widen to `uint32`).
pub mod pb {
    /// `message Vec3 { float x = 1; float y = 2; float z = 3; }`
    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Vec3 {
        /// `float x = 1`
        #[prost(float, tag = "1")]
        pub x: f32,
        /// `float y = 2`
        #[prost(float, tag = "2")]
        pub y: f32,
        /// `float z = 3`
        #[prost(float, tag = "3")]
        pub z: f32,
    }

    /// `message Entity`.
    #[derive(Clone, Copy, PartialEq, prost::Message)]
    pub struct Entity {
        /// `uint32 id = 1`
        #[prost(uint32, tag = "1")]
        pub id: u32,
        /// `uint32 kind = 2`
        #[prost(uint32, tag = "2")]
        pub kind: u32,
        /// `Vec3 position = 3`
        #[prost(message, optional, tag = "3")]
        pub position: Option<Vec3>,
        /// `Vec3 velocity = 4`
        #[prost(message, optional, tag = "4")]
        pub velocity: Option<Vec3>,
        /// `float yaw = 5`
        #[prost(float, tag = "5")]
        pub yaw: f32,
        /// `uint32 health = 6`
        #[prost(uint32, tag = "6")]
        pub health: u32,
        /// `uint32 flags = 7`
        #[prost(uint32, tag = "7")]
        pub flags: u32,
    }

    /// `message Entities { repeated Entity entities = 1; }`
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Entities {
        /// `repeated Entity entities = 1`
        #[prost(message, repeated, tag = "1")]
        pub entities: Vec<Entity>,
    }
}
