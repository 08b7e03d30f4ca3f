//! **Experimental, unpublished.** `#[derive(Encode, Decode)]` for evowire: a prototype that
//! measures what dedicated derive macros gain over the serde path. Not a supported API.
//!
//! A derived type must also derive serde's `Serialize` and `Deserialize`: [`Encode`] writes
//! exactly the bytes `Serialize` writes, and [`Decode`] reads the common form of a value in
//! place and hands every other form (added or missing fields, absent markers, other integer
//! widths, errors) to `Deserialize`, so schema evolution and the decoder's limits are the
//! serde path's.
//!
//! Supported: structs with named fields, and enums whose variants are all unit variants. A
//! `#[serde(...)]` attribute anywhere is refused, since it could change the serde bytes.
//!
//! ```
//! use evowire_derive::{Decode, Encode};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Encode, Decode, Debug, PartialEq)]
//! struct Point {
//!     x: f32,
//!     y: f32,
//! }
//!
//! let p = Point { x: 1.0, y: 2.0 };
//! let bytes = evowire::__derive::to_vec(&p).unwrap();
//! assert_eq!(bytes, evowire::to_vec(&p).unwrap());
//! let back: Point = evowire::__derive::from_slice(&bytes).unwrap();
//! assert_eq!(back, p);
//! ```

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, GenericParam, Lifetime, LifetimeParam};

/// Derives `evowire::__derive::Encode`: the bytes of the type's `Serialize` derive.
#[proc_macro_derive(Encode)]
pub fn derive_encode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, encode).unwrap_or_else(|e| e.to_compile_error().into())
}

/// Derives `evowire::__derive::Decode`, falling back to the type's `Deserialize` derive.
#[proc_macro_derive(Decode)]
pub fn derive_decode(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input, decode).unwrap_or_else(|e| e.to_compile_error().into())
}

/// The shape of a supported type.
enum Shape<'a> {
    /// Field names and types, in declaration order.
    Struct(Vec<(&'a syn::Ident, &'a syn::Type)>),
    /// Unit variant names, in declaration order.
    UnitEnum(Vec<&'a syn::Ident>),
}

fn expand(
    input: &DeriveInput,
    generate: fn(&DeriveInput, &Shape<'_>) -> Tokens,
) -> syn::Result<TokenStream> {
    refuse_serde_attributes(&input.attrs)?;
    let shape = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => {
                let mut fields = Vec::new();
                for f in &named.named {
                    refuse_serde_attributes(&f.attrs)?;
                    if let Some(name) = &f.ident {
                        fields.push((name, &f.ty));
                    }
                }
                Shape::Struct(fields)
            }
            _ => return Err(unsupported(input, "structs with named fields")),
        },
        Data::Enum(data) => {
            let mut variants = Vec::new();
            for v in &data.variants {
                refuse_serde_attributes(&v.attrs)?;
                if !matches!(v.fields, Fields::Unit) || v.discriminant.is_some() {
                    return Err(unsupported(input, "enums of unit variants"));
                }
                variants.push(&v.ident);
            }
            Shape::UnitEnum(variants)
        }
        Data::Union(_) => return Err(unsupported(input, "structs and enums")),
    };
    Ok(generate(input, &shape).into())
}

fn unsupported(input: &DeriveInput, what: &str) -> syn::Error {
    syn::Error::new_spanned(
        &input.ident,
        format!("evowire-derive (experimental) supports only {what}"),
    )
}

fn refuse_serde_attributes(attrs: &[syn::Attribute]) -> syn::Result<()> {
    match attrs.iter().find(|a| a.path().is_ident("serde")) {
        Some(attr) => Err(syn::Error::new_spanned(
            attr,
            "evowire-derive (experimental) does not read #[serde] attributes: they could change the bytes",
        )),
        None => Ok(()),
    }
}

fn encode(input: &DeriveInput, shape: &Shape<'_>) -> Tokens {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut bounds: Vec<Tokens> = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    let body = match shape {
        Shape::Struct(fields) => {
            let len = fields.len();
            let names = fields.iter().map(|(n, _)| n);
            bounds.extend(
                fields
                    .iter()
                    .map(|(_, ty)| quote!(#ty: ::evowire::__derive::Encode)),
            );
            quote! {
                ::evowire::__derive::header(ser, #len)?;
                #( ::evowire::__derive::Encode::encode(&self.#names, ser)?; )*
                ::core::result::Result::Ok(())
            }
        }
        Shape::UnitEnum(variants) => {
            let arms = variants.iter().enumerate().map(|(i, v)| {
                let i = i as u32;
                quote!(#name::#v => #i)
            });
            quote! {
                let index: u32 = match self { #(#arms,)* };
                ::evowire::__derive::unit_variant(ser, index)
            }
        }
    };
    quote! {
        impl #impl_generics ::evowire::__derive::Encode for #name #ty_generics
        where #(#bounds,)*
        {
            #[inline]
            fn encode<W: ::evowire::write::Write>(
                &self,
                ser: &mut ::evowire::Serializer<W>,
            ) -> ::evowire::Result<()> {
                #body
            }
        }
    }
}

fn decode(input: &DeriveInput, shape: &Shape<'_>) -> Tokens {
    let name = &input.ident;
    let de_lifetime = Lifetime::new("'__de", Span::call_site());
    let mut generics = input.generics.clone();
    generics.params.insert(
        0,
        GenericParam::Lifetime(LifetimeParam::new(de_lifetime.clone())),
    );
    let (impl_generics, _, _) = generics.split_for_impl();
    let (_, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut bounds: Vec<Tokens> = where_clause
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    bounds.push(quote!(Self: ::serde::Deserialize<#de_lifetime>));
    let body = match shape {
        Shape::Struct(fields) => {
            let len = fields.len();
            let names: Vec<_> = fields.iter().map(|(n, _)| *n).collect();
            bounds.extend(
                fields
                    .iter()
                    .map(|(_, ty)| quote!(#ty: ::evowire::__derive::Decode<#de_lifetime>)),
            );
            let types: Vec<_> = fields.iter().map(|(_, ty)| *ty).collect();
            // All fields `f32` (or another fixed32-only type): the struct is one run of
            // fixed32 items, read in one step when it has the canonical form.
            let run = quote! {
                if true #( && <#types as ::evowire::__derive::Decode<#de_lifetime>>::FIXED32 )* {
                    if let ::core::option::Option::Some([#(#names),*]) =
                        ::evowire::__derive::run32::<#len>(de)
                    {
                        return match (#(
                            <#types as ::evowire::__derive::Decode<#de_lifetime>>::from_fixed32(#names),
                        )*) {
                            (#(::core::option::Option::Some(#names),)*) => {
                                ::core::result::Result::Ok(#name { #(#names),* })
                            }
                            _ => ::core::result::Result::Err(::evowire::__derive::not_fixed32()),
                        };
                    }
                }
            };
            quote! {
                #run
                let ::core::option::Option::Some(mark) = ::evowire::__derive::begin(de, #len) else {
                    return <Self as ::serde::Deserialize>::deserialize(de);
                };
                #(
                    let #names = match ::evowire::__derive::field::<#types>(de, &mark)? {
                        ::core::option::Option::Some(v) => v,
                        // An absent marker: the serde path decides (default or error).
                        ::core::option::Option::None => {
                            return ::evowire::__derive::restart(de, mark);
                        }
                    };
                )*
                ::evowire::__derive::end(de);
                ::core::result::Result::Ok(#name { #(#names),* })
            }
        }
        Shape::UnitEnum(variants) => {
            let count = variants.len() as u32;
            let arms = variants.iter().enumerate().map(|(i, v)| {
                let i = i as u32;
                quote!(::core::option::Option::Some(#i) => ::core::result::Result::Ok(#name::#v))
            });
            quote! {
                match ::evowire::__derive::take_unit_variant(de, #count) {
                    #(#arms,)*
                    _ => <Self as ::serde::Deserialize>::deserialize(de),
                }
            }
        }
    };
    quote! {
        impl #impl_generics ::evowire::__derive::Decode<#de_lifetime> for #name #ty_generics
        where #(#bounds,)*
        {
            #[inline]
            fn decode(
                de: &mut ::evowire::__derive::Decoder<#de_lifetime>,
            ) -> ::evowire::Result<Self> {
                #body
            }
        }
    }
}
