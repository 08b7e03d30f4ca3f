//! `saves`: game saves, deeply structured: nested structs, enums with unit, newtype, tuple and
//! struct variants, options, `BTreeMap`s and a `HashMap`, vectors at every level.

use super::{Dataset, FixedState, Text};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

macro_rules! data {
    ($($item:item)*) => {
        $(
            #[derive(Serialize, Deserialize, bitcode::Encode, bitcode::Decode, Clone, Debug, PartialEq)]
            $item
        )*
    };
}

data! {
    /// One save slot. `Save` owns its strings; [`SaveRef`] borrows them.
    pub struct Save<S: Text = String> {
        /// Save format version.
        pub version: u32,
        /// Slot number.
        pub slot: u8,
        /// Unix time in seconds.
        pub saved_at: i64,
        /// Total play time in seconds.
        pub play_time_s: u64,
        /// The player character.
        pub player: Player<S>,
        /// Companions.
        pub party: Vec<Companion<S>>,
        /// World state.
        pub world: World<S>,
        /// Quest log.
        pub quests: Vec<Quest<S>>,
        /// Story flags by name.
        pub flags: BTreeMap<S, bool>,
        /// Settings by name.
        pub settings: HashMap<S, Setting<S>, FixedState>,
        /// Counters by stat id.
        pub stats: BTreeMap<u32, i64>,
        /// Checksum, absent on autosaves.
        pub checksum: Option<u64>,
    }

    /// A position.
    pub struct Vec3 {
        /// x
        pub x: f32,
        /// y
        pub y: f32,
        /// z
        pub z: f32,
    }

    /// The player character.
    pub struct Player<S: Text> {
        /// Name.
        pub name: S,
        /// Class.
        pub class: Class<S>,
        /// Level.
        pub level: u16,
        /// Experience.
        pub xp: u64,
        /// Health points.
        pub health: f32,
        /// Mana points.
        pub mana: f32,
        /// Position.
        pub position: Vec3,
        /// (yaw, pitch) in radians.
        pub facing: (f32, f32),
        /// Gold.
        pub gold: u64,
        /// Backpack.
        pub inventory: Vec<Item<S>>,
        /// Worn items.
        pub equipment: Equipment<S>,
        /// (skill id, rank).
        pub skills: Vec<(u16, u8)>,
        /// Active effects.
        pub effects: Vec<Effect>,
        /// Earned title.
        pub title: Option<S>,
    }

    /// Character class: every serde variant kind.
    pub enum Class<S: Text> {
        /// Unit variant.
        Warrior,
        /// Struct variant.
        Mage {
            /// School of magic.
            school: S,
            /// Focus level.
            focus: u8,
        },
        /// Newtype variant: stealth rating.
        Rogue(u32),
        /// Tuple variant: (pet name, range).
        Ranger(S, u16),
    }

    /// An item stack.
    pub struct Item<S: Text> {
        /// Item id.
        pub id: u32,
        /// What it is.
        pub kind: ItemKind<S>,
        /// Stack size.
        pub count: u16,
        /// Durability for gear.
        pub durability: Option<f32>,
        /// Enchantments.
        pub enchantments: Vec<Enchantment>,
        /// Name given by the player.
        pub custom_name: Option<S>,
    }

    /// Item kind: every serde variant kind.
    pub enum ItemKind<S: Text> {
        /// Unit variant.
        Junk,
        /// Struct variant.
        Weapon {
            /// Damage.
            damage: u16,
            /// Attacks per second.
            speed: f32,
            /// Elemental damage.
            element: Option<Element>,
        },
        /// Tuple variant: (slot, defense).
        Armor(Slot, u16),
        /// Newtype variant around a struct.
        Potion(Effect),
        /// Newtype variant around a string: the door it opens.
        Key(S),
        /// Struct variant with a string.
        Scroll {
            /// Spell name.
            spell: S,
            /// Charges left.
            charges: u8,
        },
    }

    /// An element (unit-only enum).
    pub enum Element {
        /// Fire.
        Fire,
        /// Ice.
        Ice,
        /// Lightning.
        Lightning,
        /// Poison.
        Poison,
    }

    /// Armor slot (unit-only enum).
    pub enum Slot {
        /// Head.
        Head,
        /// Chest.
        Chest,
        /// Legs.
        Legs,
        /// Feet.
        Feet,
        /// Hands.
        Hands,
    }

    /// Attribute (unit-only enum).
    pub enum Stat {
        /// Strength.
        Strength,
        /// Agility.
        Agility,
        /// Intellect.
        Intellect,
        /// Stamina.
        Stamina,
    }

    /// An enchantment.
    pub struct Enchantment {
        /// Element.
        pub element: Element,
        /// Level.
        pub level: u8,
    }

    /// A timed effect.
    pub struct Effect {
        /// What it does.
        pub kind: EffectKind,
        /// Strength, may be negative.
        pub magnitude: i32,
        /// Time left.
        pub remaining_ms: u32,
    }

    /// Effect kind: every serde variant kind.
    pub enum EffectKind {
        /// Unit variant.
        Heal,
        /// Newtype variant: points per tick.
        Regen(u16),
        /// Struct variant.
        Buff {
            /// Attribute.
            stat: Stat,
            /// Change, may be negative.
            amount: i16,
        },
        /// Tuple variant: (element, damage per tick).
        Dot(Element, u16),
    }

    /// Worn items.
    pub struct Equipment<S: Text> {
        /// Helmet.
        pub head: Option<Item<S>>,
        /// Body armor.
        pub chest: Option<Item<S>>,
        /// Weapon.
        pub main_hand: Option<Item<S>>,
        /// Shield or second weapon.
        pub off_hand: Option<Item<S>>,
        /// Rings.
        pub rings: Vec<Item<S>>,
    }

    /// A party member.
    pub struct Companion<S: Text> {
        /// Name.
        pub name: S,
        /// Class.
        pub class: Class<S>,
        /// Level.
        pub level: u16,
        /// Loyalty, -100..=100.
        pub loyalty: i8,
        /// Health points.
        pub health: f32,
        /// Carried items.
        pub inventory: Vec<Item<S>>,
    }

    /// World state.
    pub struct World<S: Text> {
        /// World generation seed.
        pub seed: u64,
        /// In-game day.
        pub day: u32,
        /// Hours, 0..24.
        pub time_of_day: f32,
        /// Current weather.
        pub weather: Weather,
        /// Regions.
        pub regions: Vec<Region<S>>,
    }

    /// Weather: every serde variant kind.
    pub enum Weather {
        /// Unit variant.
        Clear,
        /// Newtype variant: intensity.
        Rain(f32),
        /// Struct variant.
        Storm {
            /// Wind speed.
            wind: f32,
            /// Lightning strikes.
            lightning: bool,
        },
        /// Tuple variant: (density, visibility).
        Fog(u8, u8),
    }

    /// A map region.
    pub struct Region<S: Text> {
        /// Name.
        pub name: S,
        /// Whether the player has been there.
        pub discovered: bool,
        /// Explored-chunk bitmap.
        pub explored: Vec<u64>,
        /// People.
        pub npcs: Vec<Npc<S>>,
        /// Chest contents by chest id.
        pub chests: BTreeMap<u32, Vec<Item<S>>>,
    }

    /// A non-player character.
    pub struct Npc<S: Text> {
        /// Id.
        pub id: u32,
        /// Name.
        pub name: S,
        /// Position.
        pub position: Vec3,
        /// Mood.
        pub mood: Mood,
        /// Dialogue node, if in a conversation.
        pub dialogue: Option<u16>,
        /// Hit points (negative when dead).
        pub hp: i32,
    }

    /// Mood: every serde variant kind but tuple.
    pub enum Mood {
        /// Unit variant.
        Friendly,
        /// Unit variant.
        Neutral,
        /// Newtype variant: aggression.
        Hostile(u8),
        /// Struct variant.
        Afraid {
            /// Of whom (npc id).
            of: u32,
            /// Since when.
            since_day: u32,
        },
    }

    /// A quest.
    pub struct Quest<S: Text> {
        /// Id.
        pub id: u32,
        /// Title.
        pub title: S,
        /// Progress.
        pub stage: QuestStage,
        /// Objectives.
        pub objectives: Vec<Objective<S>>,
    }

    /// Quest stage: every serde variant kind.
    pub enum QuestStage {
        /// Unit variant.
        NotStarted,
        /// Newtype variant: step.
        Active(u8),
        /// Struct variant.
        Completed {
            /// Day completed.
            day: u32,
            /// Reward.
            reward_gold: u32,
        },
        /// Tuple variant: (reason, unix time).
        Failed(u8, i64),
    }

    /// A quest objective.
    pub struct Objective<S: Text> {
        /// Description.
        pub text: S,
        /// Done so far.
        pub progress: u16,
        /// Needed.
        pub goal: u16,
    }

    /// A setting value: every serde variant kind.
    pub enum Setting<S: Text> {
        /// Newtype variant.
        Toggle(bool),
        /// Newtype variant.
        Volume(f32),
        /// Newtype variant around a string.
        Choice(S),
        /// Struct variant.
        Key {
            /// Key name.
            key: S,
            /// Modifier bits.
            modifiers: u8,
        },
        /// Tuple variant.
        Resolution(u16, u16),
        /// Unit variant.
        Default,
    }
}

/// The borrowed twin of [`Save`].
pub type SaveRef<'a> = Save<&'a str>;

/// The `saves` data set: `len` save slots.
pub struct Saves;

const NAMES: [&str; 16] = [
    "Aria", "Borin", "Cassia", "Dorn", "Elowen", "Fenris", "Gwyn", "Hale", "Ilsa", "Jorund",
    "Kestrel", "Lorcan", "Mira", "Nyx", "Osric", "Perrin",
];
const SCHOOLS: [&str; 4] = ["Evocation", "Illusion", "Necromancy", "Abjuration"];
const SPELLS: [&str; 5] = ["Fireball", "Blink", "Frost Nova", "Chain Lightning", "Mend"];
const REGIONS: [&str; 8] = [
    "Ashen Vale",
    "Brindle Coast",
    "Cinder Peaks",
    "Duskwood",
    "Emberfall",
    "Frosthollow",
    "Glimmermere",
    "Hollow Reach",
];
const FLAGS: [&str; 12] = [
    "met_the_oracle",
    "bridge_repaired",
    "dragon_awake",
    "king_trusts_player",
    "thieves_guild_member",
    "lighthouse_lit",
    "found_secret_cellar",
    "betrayed_borin",
    "saved_the_village",
    "ferry_unlocked",
    "ancient_door_open",
    "tutorial_done",
];
const SETTINGS: [&str; 10] = [
    "audio.master",
    "audio.music",
    "video.resolution",
    "video.vsync",
    "gameplay.difficulty",
    "gameplay.subtitles",
    "input.jump",
    "input.inventory",
    "ui.language",
    "ui.minimap",
];
const OBJECTIVES: [&str; 6] = [
    "Speak with the harbor master",
    "Collect wolf pelts",
    "Escort the caravan to Emberfall",
    "Find the missing apprentice",
    "Light the three beacons",
    "Return to the guild",
];

fn element(rng: &mut Rng) -> Element {
    match rng.range(0, 4) {
        0 => Element::Fire,
        1 => Element::Ice,
        2 => Element::Lightning,
        _ => Element::Poison,
    }
}

fn vec3(rng: &mut Rng) -> Vec3 {
    Vec3 {
        x: rng.float(-2048.0, 2048.0) as f32,
        y: rng.float(-64.0, 256.0) as f32,
        z: rng.float(-2048.0, 2048.0) as f32,
    }
}

fn class(rng: &mut Rng) -> Class<String> {
    match rng.range(0, 4) {
        0 => Class::Warrior,
        1 => Class::Mage {
            school: rng.pick(&SCHOOLS).to_string(),
            focus: rng.range(0, 10) as u8,
        },
        2 => Class::Rogue(rng.range(0, 5000) as u32),
        _ => Class::Ranger(rng.pick(&NAMES).to_string(), rng.range(10, 60) as u16),
    }
}

fn effect(rng: &mut Rng) -> Effect {
    let kind = match rng.range(0, 4) {
        0 => EffectKind::Heal,
        1 => EffectKind::Regen(rng.range(1, 50) as u16),
        2 => EffectKind::Buff {
            stat: match rng.range(0, 4) {
                0 => Stat::Strength,
                1 => Stat::Agility,
                2 => Stat::Intellect,
                _ => Stat::Stamina,
            },
            amount: rng.range(0, 40) as i16 - 20,
        },
        _ => EffectKind::Dot(element(rng), rng.range(1, 30) as u16),
    };
    Effect {
        kind,
        magnitude: rng.range(0, 2000) as i32 - 1000,
        remaining_ms: rng.range(0, 600_000) as u32,
    }
}

fn item(rng: &mut Rng) -> Item<String> {
    let kind = match rng.range(0, 6) {
        0 => ItemKind::Junk,
        1 => ItemKind::Weapon {
            damage: rng.range(1, 500) as u16,
            speed: rng.float(0.5, 3.0) as f32,
            element: rng.chance(0.4).then(|| element(rng)),
        },
        2 => ItemKind::Armor(
            match rng.range(0, 5) {
                0 => Slot::Head,
                1 => Slot::Chest,
                2 => Slot::Legs,
                3 => Slot::Feet,
                _ => Slot::Hands,
            },
            rng.range(1, 300) as u16,
        ),
        3 => ItemKind::Potion(effect(rng)),
        4 => ItemKind::Key(format!("{} gate {}", rng.pick(&REGIONS), rng.range(1, 9))),
        _ => ItemKind::Scroll {
            spell: rng.pick(&SPELLS).to_string(),
            charges: rng.range(1, 5) as u8,
        },
    };
    let gear = matches!(kind, ItemKind::Weapon { .. } | ItemKind::Armor(..));
    Item {
        id: rng.range(1, 100_000) as u32,
        count: if gear { 1 } else { rng.range(1, 99) as u16 },
        durability: gear.then(|| rng.float(0.0, 100.0) as f32),
        enchantments: (0..if gear { rng.range(0, 3) } else { 0 })
            .map(|_| Enchantment {
                element: element(rng),
                level: rng.range(1, 6) as u8,
            })
            .collect(),
        custom_name: rng
            .chance(0.05)
            .then(|| format!("{}'s Favourite", rng.pick(&NAMES))),
        kind,
    }
}

fn items(rng: &mut Rng, lo: u64, hi: u64) -> Vec<Item<String>> {
    (0..rng.range(lo, hi)).map(|_| item(rng)).collect()
}

fn save(rng: &mut Rng, slot: u8) -> Save<String> {
    let player = Player {
        name: rng.pick(&NAMES).to_string(),
        class: class(rng),
        level: rng.range(1, 80) as u16,
        xp: rng.range(0, 50_000_000),
        health: rng.float(1.0, 2000.0) as f32,
        mana: rng.float(0.0, 1000.0) as f32,
        position: vec3(rng),
        facing: (rng.float(-3.0, 3.0) as f32, rng.float(-1.5, 1.5) as f32),
        gold: rng.log_uniform(7),
        inventory: items(rng, 30, 60),
        equipment: Equipment {
            head: rng.chance(0.8).then(|| item(rng)),
            chest: rng.chance(0.9).then(|| item(rng)),
            main_hand: Some(item(rng)),
            off_hand: rng.chance(0.5).then(|| item(rng)),
            rings: items(rng, 0, 3),
        },
        skills: (0..rng.range(10, 30))
            .map(|_| (rng.range(1, 400) as u16, rng.range(1, 10) as u8))
            .collect(),
        effects: (0..rng.range(0, 6)).map(|_| effect(rng)).collect(),
        title: rng
            .chance(0.5)
            .then(|| format!("Warden of {}", rng.pick(&REGIONS))),
    };
    let party = (0..rng.range(1, 4))
        .map(|_| Companion {
            name: rng.pick(&NAMES).to_string(),
            class: class(rng),
            level: rng.range(1, 80) as u16,
            loyalty: (rng.range(0, 201) as i16 - 100) as i8,
            health: rng.float(1.0, 1500.0) as f32,
            inventory: items(rng, 5, 20),
        })
        .collect();
    let regions = REGIONS
        .iter()
        .map(|name| Region {
            name: name.to_string(),
            discovered: rng.chance(0.8),
            explored: (0..16).map(|_| rng.next_u64() & rng.next_u64()).collect(),
            npcs: (0..rng.range(5, 20))
                .map(|_| Npc {
                    id: rng.range(1, 1_000_000) as u32,
                    name: format!("{} {}", rng.pick(&NAMES), rng.pick(&NAMES)),
                    position: vec3(rng),
                    mood: match rng.range(0, 4) {
                        0 => Mood::Friendly,
                        1 => Mood::Neutral,
                        2 => Mood::Hostile(rng.range(1, 10) as u8),
                        _ => Mood::Afraid {
                            of: rng.range(1, 1_000_000) as u32,
                            since_day: rng.range(0, 400) as u32,
                        },
                    },
                    dialogue: rng.chance(0.2).then(|| rng.range(0, 3000) as u16),
                    hp: rng.range(0, 5000) as i32 - 100,
                })
                .collect(),
            chests: (0..rng.range(2, 8))
                .map(|_| (rng.range(1, 100_000) as u32, items(rng, 0, 6)))
                .collect(),
        })
        .collect();
    let world = World {
        seed: rng.next_u64(),
        day: rng.range(1, 400) as u32,
        time_of_day: rng.float(0.0, 24.0) as f32,
        weather: match rng.range(0, 4) {
            0 => Weather::Clear,
            1 => Weather::Rain(rng.unit() as f32),
            2 => Weather::Storm {
                wind: rng.float(10.0, 120.0) as f32,
                lightning: rng.chance(0.5),
            },
            _ => Weather::Fog(rng.range(0, 256) as u8, rng.range(0, 256) as u8),
        },
        regions,
    };
    let quests = (0..rng.range(10, 30))
        .map(|_| Quest {
            id: rng.range(1, 10_000) as u32,
            title: format!("The {} of {}", rng.pick(&SPELLS), rng.pick(&REGIONS)),
            stage: match rng.range(0, 4) {
                0 => QuestStage::NotStarted,
                1 => QuestStage::Active(rng.range(1, 12) as u8),
                2 => QuestStage::Completed {
                    day: rng.range(1, 400) as u32,
                    reward_gold: rng.range(10, 5000) as u32,
                },
                _ => QuestStage::Failed(
                    rng.range(0, 5) as u8,
                    1_717_000_000 + rng.range(0, 1 << 24) as i64,
                ),
            },
            objectives: (0..rng.range(1, 5))
                .map(|_| {
                    let goal = rng.range(1, 20) as u16;
                    Objective {
                        text: rng.pick(&OBJECTIVES).to_string(),
                        progress: rng.range(0, u64::from(goal) + 1) as u16,
                        goal,
                    }
                })
                .collect(),
        })
        .collect();
    let flags = FLAGS
        .iter()
        .filter_map(|f| {
            let set = rng.chance(0.7);
            let value = rng.chance(0.5);
            set.then(|| (f.to_string(), value))
        })
        .collect();
    let settings = SETTINGS
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let value = match i % 6 {
                0 => Setting::Volume(rng.unit() as f32),
                1 => Setting::Toggle(rng.chance(0.5)),
                2 => Setting::Resolution(1920, 1080),
                3 => Setting::Choice(["easy", "normal", "hard"][rng.index(3)].to_string()),
                4 => Setting::Key {
                    key: ["Space", "I", "Tab", "F"][rng.index(4)].to_string(),
                    modifiers: rng.range(0, 8) as u8,
                },
                _ => Setting::Default,
            };
            (key.to_string(), value)
        })
        .collect();
    let stats = (0..rng.range(20, 40))
        .map(|_| {
            (
                rng.range(0, 500) as u32,
                rng.range(0, 1 << 40) as i64 - (1 << 39),
            )
        })
        .collect();
    Save {
        version: 7,
        slot,
        saved_at: 1_717_171_717 + rng.range(0, 1 << 24) as i64,
        play_time_s: rng.range(60, 1_000_000),
        player,
        party,
        world,
        quests,
        flags,
        settings,
        stats,
        checksum: rng.chance(0.7).then(|| rng.next_u64()),
    }
}

impl Dataset for Saves {
    const NAME: &'static str = "saves";
    const FULL_LEN: usize = 24;
    const HAS_BORROWED: bool = true;
    type Value = Vec<Save>;
    type Borrowed<'a> = Vec<SaveRef<'a>>;
    type Proto = pb::Saves;

    fn generate(len: usize) -> Vec<Save> {
        let mut rng = Rng::new(0x0DE5_0004);
        (0..len).map(|i| save(&mut rng, i as u8)).collect()
    }

    fn to_proto(value: &Vec<Save>) -> pb::Saves {
        pb::Saves {
            saves: value.iter().map(pb::from_save).collect(),
        }
    }
}

pub mod pb;
