//! Work budgets, asked before each piece of work: a fixed number of units (native use, tests), or
//! in a program what the gas left now pays for, so that no estimate's margin is lost over a
//! message.

/// How much work a call may still do. The verifier asks [`Meter::left`] before each piece of work
/// and starts it only if its bound fits, then reports what it counted with [`Meter::spend`].
pub trait Meter {
    /// Units that may be spent from now on.
    fn left(&self) -> u64;
    /// Records `units` of work just done.
    fn spend(&mut self, units: u64);
}

/// A fixed budget: what is left of it.
impl Meter for u64 {
    fn left(&self) -> u64 {
        *self
    }

    fn spend(&mut self, units: u64) {
        *self = self.saturating_sub(units);
    }
}

/// A meter that also counts what was spent through it (for progress reports).
pub(crate) struct Counted<'a> {
    inner: &'a mut dyn Meter,
    /// Units spent through this meter.
    pub(crate) spent: u64,
}

impl<'a> Counted<'a> {
    pub(crate) fn new(inner: &'a mut dyn Meter) -> Self {
        Self { inner, spent: 0 }
    }
}

impl Meter for Counted<'_> {
    fn left(&self) -> u64 {
        self.inner.left()
    }

    fn spend(&mut self, units: u64) {
        self.spent += units;
        self.inner.spend(units);
    }
}

/// A meter that covers at least `floor` units until some units are spent: a piece of work
/// chosen against the budget read before it is not refused over what choosing it cost (in a
/// program, the gas left falls between the two reads).
pub(crate) struct Granted<'a> {
    inner: &'a mut dyn Meter,
    floor: u64,
}

impl<'a> Granted<'a> {
    pub(crate) fn new(inner: &'a mut dyn Meter, floor: u64) -> Self {
        Self { inner, floor }
    }
}

impl Meter for Granted<'_> {
    fn left(&self) -> u64 {
        self.inner.left().max(self.floor)
    }

    fn spend(&mut self, units: u64) {
        if units > 0 {
            self.floor = 0;
        }
        self.inner.spend(units);
    }
}

/// A meter in another unit: `weight` hundredths of an outer unit per inner unit (the MSM counts
/// multiplication equivalents, each charged `MSM_WEIGHT_PERCENT` hundredths of a unit).
pub(crate) struct Weighted<'a> {
    inner: &'a mut dyn Meter,
    weight: u64,
}

impl<'a> Weighted<'a> {
    pub(crate) fn new(inner: &'a mut dyn Meter, weight: u64) -> Self {
        Self { inner, weight }
    }
}

impl Meter for Weighted<'_> {
    fn left(&self) -> u64 {
        self.inner.left().saturating_mul(100) / self.weight
    }

    fn spend(&mut self, units: u64) {
        self.inner
            .spend(units.saturating_mul(self.weight).div_ceil(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_budgets_count_down_and_convert() {
        let mut budget = 1_000u64;
        let mut counted = Counted::new(&mut budget);
        counted.spend(300);
        assert_eq!((counted.left(), counted.spent), (700, 300));
        let mut msm = Weighted::new(&mut counted, 65);
        // 700 units pay for 1,076 multiplications at 0.65 unit; 10 of them cost 7 units.
        assert_eq!(msm.left(), 1_076);
        msm.spend(10);
        assert_eq!(msm.left(), 693 * 100 / 65);
        assert_eq!(counted.spent, 307);
        counted.spend(u64::MAX);
        assert_eq!(counted.left(), 0);
    }

    #[test]
    fn a_grant_covers_its_floor_until_the_first_spend() {
        let mut budget = 90u64;
        let mut granted = Granted::new(&mut budget, 100);
        assert_eq!(granted.left(), 100);
        granted.spend(0);
        assert_eq!(granted.left(), 100);
        granted.spend(30);
        assert_eq!(granted.left(), 60);
        let mut budget = 500u64;
        assert_eq!(Granted::new(&mut budget, 100).left(), 500);
    }
}
