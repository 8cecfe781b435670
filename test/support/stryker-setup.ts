import fc from 'fast-check';

// Under StrykerJS every mutant must meet the same random cases: a mutant is killed by what it
// broke, never by a case only its run happened to draw. (Local parameters still win.)
fc.configureGlobal({ seed: 20261124 });
