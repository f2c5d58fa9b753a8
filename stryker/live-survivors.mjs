// A Stryker reporter that prints each surviving mutant as soon as it is
// known ("mutate: survived file:line:column mutator: replacement"), so the
// tests for it can be written while a long run goes on. Other reporters print
// the full list only at the end.
import { relative } from 'node:path';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

class LiveSurvivors {
  onMutantTested(result) {
    if (result.status !== 'Survived' && result.status !== 'NoCoverage') return;
    const { line, column } = result.location.start;
    const replacement = JSON.stringify(result.replacement ?? '').slice(0, 120);
    console.log(
      `mutate: survived ${relative(process.cwd(), result.fileName)}:${line}:${column} ${result.mutatorName}: ${replacement}`,
    );
  }
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.Reporter, 'live-survivors', LiveSurvivors),
];
