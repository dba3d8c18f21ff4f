// klaro 0.7.22 set up like the Accord page: a notice, analytics and marketing services.
window.klaroConfig = {
  version: 1,
  elementID: 'klaro',
  acceptAll: true,
  mustConsent: false,
  groupByPurpose: true,
  translations: {
    en: {
      privacyPolicyUrl: '/privacy.html',
      consentNotice: { description: 'We use cookies. Strictly necessary ones keep the site working; the others run only if you agree.' },
      purposes: { analytics: 'Analytics', marketing: 'Marketing' },
      analytics: { description: 'Counts visits.' },
      marketing: { description: 'Measures ads.' },
    },
  },
  services: [
    { name: 'analytics', title: 'Stats', purposes: ['analytics'] },
    { name: 'marketing', title: 'Ads', purposes: ['marketing'] },
  ],
};
