/**
 * Renders a pending question of the connect screen: a text field (masked for passwords), a
 * yes/no menu, or the first-contact certificate with its once / always / cancel menu.
 */
import { Box, Text } from 'ink';
import { HOST_FINGERPRINT_COMMAND } from '../../xapi/fingerprint.js';
import { describePeer } from '../../xapi/tls-trust.js';
import type { Verdict } from '../../xapi/trust-policy.js';
import type { Question } from '../hooks/use-questions.js';
import { Menu } from './menu-view.js';
import { TextField } from './text-field.js';

function TextQuestion({ question, masked, onAnswer }: { question: string; masked: boolean; onAnswer(text: string): void }) {
  return (
    <Box>
      <Text>{question} </Text>
      <TextField masked={masked} onSubmit={onAnswer} />
    </Box>
  );
}

const TRUST_ITEMS: { label: string; value: Verdict }[] = [
  { label: 'Trust it once (ask again next time)', value: 'once' },
  { label: 'Always trust it (pin it in the settings)', value: 'always' },
  { label: 'Cancel (send nothing)', value: 'cancel' },
];

export function QuestionView({ question }: { question: Question }) {
  switch (question.kind) {
    case 'text':
      return <TextQuestion key={question.question} question={question.question} masked={question.masked} onAnswer={question.answer} />;
    case 'yes-no':
      return (
        <Box flexDirection="column">
          <Text>{question.question}</Text>
          <Menu
            items={[
              { label: 'No', value: false },
              { label: 'Yes', value: true },
            ]}
            onSelect={(item) => question.answer(item.value)}
          />
        </Box>
      );
    case 'trust':
      return (
        <Box flexDirection="column">
          <Text color="yellow">First contact with {question.peer.hostPort}: its certificate is not signed by a CA this machine trusts.</Text>
          <Text>{describePeer(question.peer)}</Text>
          <Text dimColor wrap="wrap">
            Compare the fingerprint with the host's own (in its console: {HOST_FINGERPRINT_COMMAND}).
          </Text>
          <Menu items={TRUST_ITEMS} onSelect={(item) => question.answer(item.value)} />
        </Box>
      );
  }
}
