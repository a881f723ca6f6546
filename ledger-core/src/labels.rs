//! `labelled_enum!`: the closed lists of the format (fund sources, offices,
//! notice stages, …), each value with a stable snake_case name for machines
//! and a Chinese label for people. The variant order is the format.

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $snake:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }
        impl $name {
            /// Every value, in format order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// Stable snake_case name.
            pub fn name(self) -> &'static str { match self { $($name::$variant => $snake,)+ } }
            /// Chinese label.
            pub fn label_zh(self) -> &'static str { match self { $($name::$variant => $zh,)+ } }
            /// Parse a snake_case name or the Chinese label.
            pub fn parse(text: &str) -> Option<$name> {
                let t = text.trim();
                $name::ALL.iter().copied().find(|v| v.name() == t || v.label_zh() == t)
            }
        }
    };
}
