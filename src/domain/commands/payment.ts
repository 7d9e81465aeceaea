/** Payment instruments (OCAPI/SCAPI payment_instruments). Card data arrives already masked; no secret is kept. */
import { Money, minorUnits } from '../money.js';
import type { PaymentInstrument } from '../types.js';
import { change, reject, type CommandSpecs } from './handler.js';

/** Payment instruments a basket may carry at once. */
export const MAX_PAYMENT_INSTRUMENTS = 5;

/** The commands of this family. */
export type PaymentCommand =
  | { readonly kind: 'add_payment_instrument'; readonly instrument: Omit<PaymentInstrument, 'id'> }
  | { readonly kind: 'remove_payment_instrument'; readonly paymentInstrumentId: string };

export const paymentCommands: CommandSpecs<PaymentCommand> = {
  /** One of the site's methods (and, for cards, one of its card types); an amount within the currency's digits. */
  add_payment_instrument: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c, ctx) => {
      const method = ctx.paymentMethods?.get(c.instrument.methodId);
      if (!method) return reject('payment_method_not_found', `No payment method '${c.instrument.methodId}' on this site.`);
      const card = c.instrument.card;
      if (card && method.cardTypes.length > 0 && !method.cardTypes.includes(card.cardType)) {
        return reject('payment_method_not_found', `Payment method '${method.id}' does not take '${card.cardType}' cards.`);
      }
      const amount = c.instrument.amount;
      if (amount !== null && new Money(amount).decimalPlaces() > minorUnits(basket.currency)) {
        return reject('payment_amount_invalid', `An amount in ${basket.currency} has at most ${minorUnits(basket.currency)} decimal places.`);
      }
      const instruments = basket.checkout.paymentInstruments ?? [];
      if (instruments.length >= MAX_PAYMENT_INSTRUMENTS) {
        return reject('payment_instrument_limit_exceeded', `A basket holds at most ${MAX_PAYMENT_INSTRUMENTS} payment instruments.`);
      }
      return change({ checkout: { ...basket.checkout, paymentInstruments: [...instruments, { id: ctx.newItemId(0), ...c.instrument }] } });
    },
  },
  remove_payment_instrument: {
    target: 'existing',
    agentOnly: false,
    reservation: 'hold',
    apply: (basket, c) => {
      const instruments = basket.checkout.paymentInstruments ?? [];
      if (!instruments.some((p) => p.id === c.paymentInstrumentId)) {
        return reject('payment_instrument_not_found', `No payment instrument '${c.paymentInstrumentId}' in this basket.`);
      }
      return change({ checkout: { ...basket.checkout, paymentInstruments: instruments.filter((p) => p.id !== c.paymentInstrumentId) } });
    },
  },
};
