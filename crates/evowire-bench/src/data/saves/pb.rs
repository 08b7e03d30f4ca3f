//! Hand-written prost messages mirroring the `saves` data set.
//!
//! Mapping: structs are messages; enums with data are a message holding a `oneof` (unit
//! variants carry the empty message [`Empty`]); unit-only enums are proto enums; tuples become
//! a small message or adjacent fields; 8/16-bit integers widen to 32-bit (`sint32` where
//! negative); `BTreeMap`s are `btree_map` fields and so is the `HashMap` (prost's `map` takes
//! only std's randomly seeded `HashMap`; `btree_map` has the same wire bytes and keeps runs
//! deterministic); a `Vec<Item>` map value is wrapped in [`ItemList`].

#![allow(missing_docs)]

use super::{
    Class as SClass, Companion as SCompanion, Effect as SEffect, EffectKind as SEffectKind,
    Element as SElement, Item as SItem, ItemKind as SItemKind, Mood as SMood, QuestStage as SStage,
    Save as SSave, Setting as SSetting, Slot as SSlot, Stat as SStat, Vec3 as SVec3,
    Weather as SWeather,
};
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Empty {}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Vec3 {
    #[prost(float, tag = "1")]
    pub x: f32,
    #[prost(float, tag = "2")]
    pub y: f32,
    #[prost(float, tag = "3")]
    pub z: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Element {
    Fire = 0,
    Ice = 1,
    Lightning = 2,
    Poison = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Slot {
    Head = 0,
    Chest = 1,
    Legs = 2,
    Feet = 3,
    Hands = 4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Stat {
    Strength = 0,
    Agility = 1,
    Intellect = 2,
    Stamina = 3,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Mage {
    #[prost(string, tag = "1")]
    pub school: String,
    #[prost(uint32, tag = "2")]
    pub focus: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Ranger {
    #[prost(string, tag = "1")]
    pub pet: String,
    #[prost(uint32, tag = "2")]
    pub range: u32,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum ClassKind {
    #[prost(message, tag = "1")]
    Warrior(Empty),
    #[prost(message, tag = "2")]
    Mage(Mage),
    #[prost(uint32, tag = "3")]
    Rogue(u32),
    #[prost(message, tag = "4")]
    Ranger(Ranger),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Class {
    #[prost(oneof = "ClassKind", tags = "1, 2, 3, 4")]
    pub kind: Option<ClassKind>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Buff {
    #[prost(enumeration = "Stat", tag = "1")]
    pub stat: i32,
    #[prost(sint32, tag = "2")]
    pub amount: i32,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Dot {
    #[prost(enumeration = "Element", tag = "1")]
    pub element: i32,
    #[prost(uint32, tag = "2")]
    pub per_tick: u32,
}

#[derive(Clone, Copy, PartialEq, prost::Oneof)]
pub enum EffectKind {
    #[prost(message, tag = "1")]
    Heal(Empty),
    #[prost(uint32, tag = "2")]
    Regen(u32),
    #[prost(message, tag = "3")]
    Buff(Buff),
    #[prost(message, tag = "4")]
    Dot(Dot),
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Effect {
    #[prost(oneof = "EffectKind", tags = "1, 2, 3, 4")]
    pub kind: Option<EffectKind>,
    #[prost(sint32, tag = "5")]
    pub magnitude: i32,
    #[prost(uint32, tag = "6")]
    pub remaining_ms: u32,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Weapon {
    #[prost(uint32, tag = "1")]
    pub damage: u32,
    #[prost(float, tag = "2")]
    pub speed: f32,
    #[prost(enumeration = "Element", optional, tag = "3")]
    pub element: Option<i32>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Armor {
    #[prost(enumeration = "Slot", tag = "1")]
    pub slot: i32,
    #[prost(uint32, tag = "2")]
    pub defense: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Scroll {
    #[prost(string, tag = "1")]
    pub spell: String,
    #[prost(uint32, tag = "2")]
    pub charges: u32,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum ItemKind {
    #[prost(message, tag = "2")]
    Junk(Empty),
    #[prost(message, tag = "3")]
    Weapon(Weapon),
    #[prost(message, tag = "4")]
    Armor(Armor),
    #[prost(message, tag = "5")]
    Potion(Effect),
    #[prost(string, tag = "6")]
    Key(String),
    #[prost(message, tag = "7")]
    Scroll(Scroll),
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Enchantment {
    #[prost(enumeration = "Element", tag = "1")]
    pub element: i32,
    #[prost(uint32, tag = "2")]
    pub level: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Item {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(oneof = "ItemKind", tags = "2, 3, 4, 5, 6, 7")]
    pub kind: Option<ItemKind>,
    #[prost(uint32, tag = "8")]
    pub count: u32,
    #[prost(float, optional, tag = "9")]
    pub durability: Option<f32>,
    #[prost(message, repeated, tag = "10")]
    pub enchantments: Vec<Enchantment>,
    #[prost(string, optional, tag = "11")]
    pub custom_name: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ItemList {
    #[prost(message, repeated, tag = "1")]
    pub items: Vec<Item>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Equipment {
    #[prost(message, optional, tag = "1")]
    pub head: Option<Item>,
    #[prost(message, optional, tag = "2")]
    pub chest: Option<Item>,
    #[prost(message, optional, tag = "3")]
    pub main_hand: Option<Item>,
    #[prost(message, optional, tag = "4")]
    pub off_hand: Option<Item>,
    #[prost(message, repeated, tag = "5")]
    pub rings: Vec<Item>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Skill {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(uint32, tag = "2")]
    pub rank: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Player {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub class: Option<Class>,
    #[prost(uint32, tag = "3")]
    pub level: u32,
    #[prost(uint64, tag = "4")]
    pub xp: u64,
    #[prost(float, tag = "5")]
    pub health: f32,
    #[prost(float, tag = "6")]
    pub mana: f32,
    #[prost(message, optional, tag = "7")]
    pub position: Option<Vec3>,
    #[prost(float, tag = "8")]
    pub yaw: f32,
    #[prost(float, tag = "9")]
    pub pitch: f32,
    #[prost(uint64, tag = "10")]
    pub gold: u64,
    #[prost(message, repeated, tag = "11")]
    pub inventory: Vec<Item>,
    #[prost(message, optional, tag = "12")]
    pub equipment: Option<Equipment>,
    #[prost(message, repeated, tag = "13")]
    pub skills: Vec<Skill>,
    #[prost(message, repeated, tag = "14")]
    pub effects: Vec<Effect>,
    #[prost(string, optional, tag = "15")]
    pub title: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Companion {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub class: Option<Class>,
    #[prost(uint32, tag = "3")]
    pub level: u32,
    #[prost(sint32, tag = "4")]
    pub loyalty: i32,
    #[prost(float, tag = "5")]
    pub health: f32,
    #[prost(message, repeated, tag = "6")]
    pub inventory: Vec<Item>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Storm {
    #[prost(float, tag = "1")]
    pub wind: f32,
    #[prost(bool, tag = "2")]
    pub lightning: bool,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Fog {
    #[prost(uint32, tag = "1")]
    pub density: u32,
    #[prost(uint32, tag = "2")]
    pub visibility: u32,
}

#[derive(Clone, Copy, PartialEq, prost::Oneof)]
pub enum WeatherKind {
    #[prost(message, tag = "1")]
    Clear(Empty),
    #[prost(float, tag = "2")]
    Rain(f32),
    #[prost(message, tag = "3")]
    Storm(Storm),
    #[prost(message, tag = "4")]
    Fog(Fog),
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Weather {
    #[prost(oneof = "WeatherKind", tags = "1, 2, 3, 4")]
    pub kind: Option<WeatherKind>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Afraid {
    #[prost(uint32, tag = "1")]
    pub of: u32,
    #[prost(uint32, tag = "2")]
    pub since_day: u32,
}

#[derive(Clone, Copy, PartialEq, prost::Oneof)]
pub enum MoodKind {
    #[prost(message, tag = "1")]
    Friendly(Empty),
    #[prost(message, tag = "2")]
    Neutral(Empty),
    #[prost(uint32, tag = "3")]
    Hostile(u32),
    #[prost(message, tag = "4")]
    Afraid(Afraid),
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Mood {
    #[prost(oneof = "MoodKind", tags = "1, 2, 3, 4")]
    pub kind: Option<MoodKind>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Npc {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, optional, tag = "3")]
    pub position: Option<Vec3>,
    #[prost(message, optional, tag = "4")]
    pub mood: Option<Mood>,
    #[prost(uint32, optional, tag = "5")]
    pub dialogue: Option<u32>,
    #[prost(sint32, tag = "6")]
    pub hp: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Region {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(bool, tag = "2")]
    pub discovered: bool,
    #[prost(uint64, repeated, tag = "3")]
    pub explored: Vec<u64>,
    #[prost(message, repeated, tag = "4")]
    pub npcs: Vec<Npc>,
    #[prost(btree_map = "uint32, message", tag = "5")]
    pub chests: BTreeMap<u32, ItemList>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct World {
    #[prost(uint64, tag = "1")]
    pub seed: u64,
    #[prost(uint32, tag = "2")]
    pub day: u32,
    #[prost(float, tag = "3")]
    pub time_of_day: f32,
    #[prost(message, optional, tag = "4")]
    pub weather: Option<Weather>,
    #[prost(message, repeated, tag = "5")]
    pub regions: Vec<Region>,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Completed {
    #[prost(uint32, tag = "1")]
    pub day: u32,
    #[prost(uint32, tag = "2")]
    pub reward_gold: u32,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Failed {
    #[prost(uint32, tag = "1")]
    pub reason: u32,
    #[prost(int64, tag = "2")]
    pub at: i64,
}

#[derive(Clone, Copy, PartialEq, prost::Oneof)]
pub enum StageKind {
    #[prost(message, tag = "1")]
    NotStarted(Empty),
    #[prost(uint32, tag = "2")]
    Active(u32),
    #[prost(message, tag = "3")]
    Completed(Completed),
    #[prost(message, tag = "4")]
    Failed(Failed),
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct QuestStage {
    #[prost(oneof = "StageKind", tags = "1, 2, 3, 4")]
    pub kind: Option<StageKind>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Objective {
    #[prost(string, tag = "1")]
    pub text: String,
    #[prost(uint32, tag = "2")]
    pub progress: u32,
    #[prost(uint32, tag = "3")]
    pub goal: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Quest {
    #[prost(uint32, tag = "1")]
    pub id: u32,
    #[prost(string, tag = "2")]
    pub title: String,
    #[prost(message, optional, tag = "3")]
    pub stage: Option<QuestStage>,
    #[prost(message, repeated, tag = "4")]
    pub objectives: Vec<Objective>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyBinding {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(uint32, tag = "2")]
    pub modifiers: u32,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Resolution {
    #[prost(uint32, tag = "1")]
    pub width: u32,
    #[prost(uint32, tag = "2")]
    pub height: u32,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum SettingKind {
    #[prost(bool, tag = "1")]
    Toggle(bool),
    #[prost(float, tag = "2")]
    Volume(f32),
    #[prost(string, tag = "3")]
    Choice(String),
    #[prost(message, tag = "4")]
    Key(KeyBinding),
    #[prost(message, tag = "5")]
    Resolution(Resolution),
    #[prost(message, tag = "6")]
    Default(Empty),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Setting {
    #[prost(oneof = "SettingKind", tags = "1, 2, 3, 4, 5, 6")]
    pub kind: Option<SettingKind>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Save {
    #[prost(uint32, tag = "1")]
    pub version: u32,
    #[prost(uint32, tag = "2")]
    pub slot: u32,
    #[prost(int64, tag = "3")]
    pub saved_at: i64,
    #[prost(uint64, tag = "4")]
    pub play_time_s: u64,
    #[prost(message, optional, tag = "5")]
    pub player: Option<Player>,
    #[prost(message, repeated, tag = "6")]
    pub party: Vec<Companion>,
    #[prost(message, optional, tag = "7")]
    pub world: Option<World>,
    #[prost(message, repeated, tag = "8")]
    pub quests: Vec<Quest>,
    #[prost(btree_map = "string, bool", tag = "9")]
    pub flags: BTreeMap<String, bool>,
    #[prost(btree_map = "string, message", tag = "10")]
    pub settings: BTreeMap<String, Setting>,
    #[prost(btree_map = "uint32, int64", tag = "11")]
    pub stats: BTreeMap<u32, i64>,
    #[prost(uint64, optional, tag = "12")]
    pub checksum: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Saves {
    #[prost(message, repeated, tag = "1")]
    pub saves: Vec<Save>,
}

fn vec3(v: &SVec3) -> Vec3 {
    Vec3 {
        x: v.x,
        y: v.y,
        z: v.z,
    }
}

fn element(e: &SElement) -> i32 {
    (match e {
        SElement::Fire => Element::Fire,
        SElement::Ice => Element::Ice,
        SElement::Lightning => Element::Lightning,
        SElement::Poison => Element::Poison,
    }) as i32
}

fn class(c: &SClass<String>) -> Class {
    Class {
        kind: Some(match c {
            SClass::Warrior => ClassKind::Warrior(Empty {}),
            SClass::Mage { school, focus } => ClassKind::Mage(Mage {
                school: school.clone(),
                focus: u32::from(*focus),
            }),
            SClass::Rogue(stealth) => ClassKind::Rogue(*stealth),
            SClass::Ranger(pet, range) => ClassKind::Ranger(Ranger {
                pet: pet.clone(),
                range: u32::from(*range),
            }),
        }),
    }
}

fn effect(e: &SEffect) -> Effect {
    Effect {
        kind: Some(match &e.kind {
            SEffectKind::Heal => EffectKind::Heal(Empty {}),
            SEffectKind::Regen(n) => EffectKind::Regen(u32::from(*n)),
            SEffectKind::Buff { stat, amount } => EffectKind::Buff(Buff {
                stat: (match stat {
                    SStat::Strength => Stat::Strength,
                    SStat::Agility => Stat::Agility,
                    SStat::Intellect => Stat::Intellect,
                    SStat::Stamina => Stat::Stamina,
                }) as i32,
                amount: i32::from(*amount),
            }),
            SEffectKind::Dot(el, per_tick) => EffectKind::Dot(Dot {
                element: element(el),
                per_tick: u32::from(*per_tick),
            }),
        }),
        magnitude: e.magnitude,
        remaining_ms: e.remaining_ms,
    }
}

fn item(i: &SItem<String>) -> Item {
    Item {
        id: i.id,
        kind: Some(match &i.kind {
            SItemKind::Junk => ItemKind::Junk(Empty {}),
            SItemKind::Weapon {
                damage,
                speed,
                element: el,
            } => ItemKind::Weapon(Weapon {
                damage: u32::from(*damage),
                speed: *speed,
                element: el.as_ref().map(element),
            }),
            SItemKind::Armor(slot, defense) => ItemKind::Armor(Armor {
                slot: (match slot {
                    SSlot::Head => Slot::Head,
                    SSlot::Chest => Slot::Chest,
                    SSlot::Legs => Slot::Legs,
                    SSlot::Feet => Slot::Feet,
                    SSlot::Hands => Slot::Hands,
                }) as i32,
                defense: u32::from(*defense),
            }),
            SItemKind::Potion(e) => ItemKind::Potion(effect(e)),
            SItemKind::Key(door) => ItemKind::Key(door.clone()),
            SItemKind::Scroll { spell, charges } => ItemKind::Scroll(Scroll {
                spell: spell.clone(),
                charges: u32::from(*charges),
            }),
        }),
        count: u32::from(i.count),
        durability: i.durability,
        enchantments: i
            .enchantments
            .iter()
            .map(|e| Enchantment {
                element: element(&e.element),
                level: u32::from(e.level),
            })
            .collect(),
        custom_name: i.custom_name.clone(),
    }
}

fn items(list: &[SItem<String>]) -> Vec<Item> {
    list.iter().map(item).collect()
}

fn companion(c: &SCompanion<String>) -> Companion {
    Companion {
        name: c.name.clone(),
        class: Some(class(&c.class)),
        level: u32::from(c.level),
        loyalty: i32::from(c.loyalty),
        health: c.health,
        inventory: items(&c.inventory),
    }
}

/// Converts one save to its prost mirror.
pub fn from_save(s: &SSave) -> Save {
    let p = &s.player;
    let w = &s.world;
    Save {
        version: s.version,
        slot: u32::from(s.slot),
        saved_at: s.saved_at,
        play_time_s: s.play_time_s,
        player: Some(Player {
            name: p.name.clone(),
            class: Some(class(&p.class)),
            level: u32::from(p.level),
            xp: p.xp,
            health: p.health,
            mana: p.mana,
            position: Some(vec3(&p.position)),
            yaw: p.facing.0,
            pitch: p.facing.1,
            gold: p.gold,
            inventory: items(&p.inventory),
            equipment: Some(Equipment {
                head: p.equipment.head.as_ref().map(item),
                chest: p.equipment.chest.as_ref().map(item),
                main_hand: p.equipment.main_hand.as_ref().map(item),
                off_hand: p.equipment.off_hand.as_ref().map(item),
                rings: items(&p.equipment.rings),
            }),
            skills: p
                .skills
                .iter()
                .map(|&(id, rank)| Skill {
                    id: u32::from(id),
                    rank: u32::from(rank),
                })
                .collect(),
            effects: p.effects.iter().map(effect).collect(),
            title: p.title.clone(),
        }),
        party: s.party.iter().map(companion).collect(),
        world: Some(World {
            seed: w.seed,
            day: w.day,
            time_of_day: w.time_of_day,
            weather: Some(Weather {
                kind: Some(match w.weather {
                    SWeather::Clear => WeatherKind::Clear(Empty {}),
                    SWeather::Rain(r) => WeatherKind::Rain(r),
                    SWeather::Storm { wind, lightning } => {
                        WeatherKind::Storm(Storm { wind, lightning })
                    }
                    SWeather::Fog(density, visibility) => WeatherKind::Fog(Fog {
                        density: u32::from(density),
                        visibility: u32::from(visibility),
                    }),
                }),
            }),
            regions: w
                .regions
                .iter()
                .map(|r| Region {
                    name: r.name.clone(),
                    discovered: r.discovered,
                    explored: r.explored.clone(),
                    npcs: r
                        .npcs
                        .iter()
                        .map(|n| Npc {
                            id: n.id,
                            name: n.name.clone(),
                            position: Some(vec3(&n.position)),
                            mood: Some(Mood {
                                kind: Some(match n.mood {
                                    SMood::Friendly => MoodKind::Friendly(Empty {}),
                                    SMood::Neutral => MoodKind::Neutral(Empty {}),
                                    SMood::Hostile(a) => MoodKind::Hostile(u32::from(a)),
                                    SMood::Afraid { of, since_day } => {
                                        MoodKind::Afraid(Afraid { of, since_day })
                                    }
                                }),
                            }),
                            dialogue: n.dialogue.map(u32::from),
                            hp: n.hp,
                        })
                        .collect(),
                    chests: r
                        .chests
                        .iter()
                        .map(|(id, list)| (*id, ItemList { items: items(list) }))
                        .collect(),
                })
                .collect(),
        }),
        quests: s
            .quests
            .iter()
            .map(|q| Quest {
                id: q.id,
                title: q.title.clone(),
                stage: Some(QuestStage {
                    kind: Some(match q.stage {
                        SStage::NotStarted => StageKind::NotStarted(Empty {}),
                        SStage::Active(step) => StageKind::Active(u32::from(step)),
                        SStage::Completed { day, reward_gold } => {
                            StageKind::Completed(Completed { day, reward_gold })
                        }
                        SStage::Failed(reason, at) => StageKind::Failed(Failed {
                            reason: u32::from(reason),
                            at,
                        }),
                    }),
                }),
                objectives: q
                    .objectives
                    .iter()
                    .map(|o| Objective {
                        text: o.text.clone(),
                        progress: u32::from(o.progress),
                        goal: u32::from(o.goal),
                    })
                    .collect(),
            })
            .collect(),
        flags: s.flags.clone(),
        settings: s
            .settings
            .iter()
            .map(|(k, v)| {
                let kind = match v {
                    SSetting::Toggle(b) => SettingKind::Toggle(*b),
                    SSetting::Volume(f) => SettingKind::Volume(*f),
                    SSetting::Choice(c) => SettingKind::Choice(c.clone()),
                    SSetting::Key { key, modifiers } => SettingKind::Key(KeyBinding {
                        key: key.clone(),
                        modifiers: u32::from(*modifiers),
                    }),
                    SSetting::Resolution(w, h) => SettingKind::Resolution(Resolution {
                        width: u32::from(*w),
                        height: u32::from(*h),
                    }),
                    SSetting::Default => SettingKind::Default(Empty {}),
                };
                (k.clone(), Setting { kind: Some(kind) })
            })
            .collect(),
        stats: s.stats.clone(),
        checksum: s.checksum,
    }
}
